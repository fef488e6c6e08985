// Binds the HostApi to ipcMain. Every call checks that it comes from the
// Studio's own window and its own page (Electron security checklist #17);
// channel names come from src/shared, never literals.
import type { BrowserWindow, IpcMainInvokeEvent } from "electron";
import { ipcMain } from "electron";
import { HOST_METHODS, type HostApi, type HostMethod, IPC_CHANNELS } from "../shared/host-api.ts";

export function bindHostApi(host: HostApi, window: BrowserWindow, isTrustedUrl: (url: string) => boolean): () => void {
  const checkSender = (event: IpcMainInvokeEvent): void => {
    const frameUrl = event.senderFrame?.url ?? "";
    if (event.sender.id !== window.webContents.id || !isTrustedUrl(frameUrl)) {
      throw new Error(`IPC call refused from ${frameUrl || "an unknown frame"}`);
    }
  };
  for (const method of HOST_METHODS) {
    ipcMain.handle(IPC_CHANNELS.invoke[method], (event, ...args: unknown[]) => {
      checkSender(event);
      const fn = host[method as HostMethod] as (...a: unknown[]) => Promise<unknown>;
      return fn.apply(host, args);
    });
  }
  const unsubscribe = host.onServerEvent((e) => {
    if (!window.isDestroyed()) window.webContents.send(IPC_CHANNELS.serverEvent, e);
  });
  return () => {
    unsubscribe();
    for (const method of HOST_METHODS) ipcMain.removeHandler(IPC_CHANNELS.invoke[method]);
  };
}
