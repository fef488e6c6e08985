// Exposes the HostApi to the renderer as window.skeino: one narrow function
// per method (never a generic invoke), channel names from src/shared.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from "electron";
import {
  type ConnectionCheck,
  type DurabilityReport,
  type HostApi,
  IPC_CHANNELS,
  type LogLine,
  type OpenProjectResult,
  type RecentProject,
  type RestartMode,
  type ServerEvent,
  type ServerEventListener,
  type ServerStatus,
  type StudioSettings,
  type ApplyResult,
} from "../shared/host-api.ts";

const c = IPC_CHANNELS.invoke;

const api: HostApi = {
  getServerStatus: (): Promise<ServerStatus> => ipcRenderer.invoke(c.getServerStatus),
  getSettings: (): Promise<StudioSettings> => ipcRenderer.invoke(c.getSettings),
  saveSettings: (s: StudioSettings): Promise<ApplyResult> => ipcRenderer.invoke(c.saveSettings, s),
  testConnection: (uri: string): Promise<ConnectionCheck> => ipcRenderer.invoke(c.testConnection, uri),
  restartServer: (mode?: RestartMode): Promise<ServerStatus> => ipcRenderer.invoke(c.restartServer, mode),
  verifyDurability: (mode?: RestartMode): Promise<DurabilityReport> => ipcRenderer.invoke(c.verifyDurability, mode),
  getLogs: (): Promise<LogLine[]> => ipcRenderer.invoke(c.getLogs),
  openProject: (dir?: string): Promise<OpenProjectResult> => ipcRenderer.invoke(c.openProject, dir),
  getRecentProjects: (): Promise<RecentProject[]> => ipcRenderer.invoke(c.getRecentProjects),
  rememberView: (view: string): Promise<void> => ipcRenderer.invoke(c.rememberView, view),
  onServerEvent: (listener: ServerEventListener) => {
    const handler = (_e: IpcRendererEvent, event: ServerEvent) => listener(event);
    ipcRenderer.on(IPC_CHANNELS.serverEvent, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.serverEvent, handler);
    };
  },
};

contextBridge.exposeInMainWorld("skeino", api);
