// HostApi over HTTP for the browser shell: same-origin POST /api/host/<method>
// with the per-launch token, server events over SSE. The renderer cannot tell
// this from the Electron preload.
import {
  type ApplyResult,
  type ConnectionCheck,
  type DurabilityReport,
  type HostApi,
  type HostMethod,
  type LogLine,
  type OpenProjectResult,
  type RecentProject,
  type RestartMode,
  type ServerEvent,
  type ServerEventListener,
  type ServerStatus,
  type StudioSettings,
  WEB_ROUTES,
} from "../../../shared/host-api.ts";

const TOKEN_KEY = "skeino-studio-token";

/** The token arrives once in ?token=...; keep it for reloads and drop it from the address bar. */
export function studioToken(): string {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
    const rest = params.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${rest ? `?${rest}` : ""}${window.location.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function createWebHost(token: string): HostApi {
  async function call<T>(method: HostMethod, ...args: unknown[]): Promise<T> {
    const res = await fetch(WEB_ROUTES.invoke(method), {
      method: "POST",
      headers: { "content-type": "application/json", [WEB_ROUTES.tokenHeader]: token },
      body: JSON.stringify({ args }),
    });
    const body = (await res.json()) as { result?: T; error?: string };
    if (!res.ok) throw new Error(body.error ?? `host call ${method} failed with HTTP ${res.status}`);
    return body.result as T;
  }

  const listeners = new Set<ServerEventListener>();
  let source: EventSource | null = null;
  const connect = () => {
    source = new EventSource(`${WEB_ROUTES.events}?token=${encodeURIComponent(token)}`);
    source.onmessage = (msg: MessageEvent<string>) => {
      const event = JSON.parse(msg.data) as ServerEvent;
      for (const l of listeners) l(event);
    };
  };

  return {
    getServerStatus: () => call<ServerStatus>("getServerStatus"),
    getSettings: () => call<StudioSettings>("getSettings"),
    saveSettings: (s: StudioSettings) => call<ApplyResult>("saveSettings", s),
    testConnection: (uri: string) => call<ConnectionCheck>("testConnection", uri),
    restartServer: (mode?: RestartMode) => call<ServerStatus>("restartServer", mode),
    verifyDurability: (mode?: RestartMode) => call<DurabilityReport>("verifyDurability", mode),
    getLogs: () => call<LogLine[]>("getLogs"),
    openProject: (dir?: string) => call<OpenProjectResult>("openProject", dir),
    getRecentProjects: () => call<RecentProject[]>("getRecentProjects"),
    rememberView: (view: string) => call<void>("rememberView", view),
    onServerEvent(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}
