// The HostApi contract: what the renderer may ask of the process that hosts
// the skeino server (Electron main over IPC, or the browser shell over HTTP).
// Types and constant names only, so main, preload and renderer share it.

export type PersistenceMode = "memory" | "postgres" | "local-postgres";

export type ServerState = "stopped" | "starting" | "ready" | "stopping" | "crashed" | "error";

export interface ServerStatus {
  state: ServerState;
  /** Base URL of the agent server, e.g. http://127.0.0.1:53121 (null until ready). */
  url: string | null;
  pid: number | null;
  /** New UUID on every server process start, from GET /info. */
  bootId: string | null;
  /** Persistence scheme the running server reports ("memory" | "postgres"). */
  scheme: string | null;
  /** Persistence mode the Studio asked for (Local PostgreSQL reports scheme "postgres"). */
  mode: PersistenceMode;
  /** Epoch millis when the current process became ready. */
  readyAt: number | null;
  /** Crashes since the last successful start. */
  crashCount: number;
  /** Human-readable reason for the crashed / error state. */
  error: string | null;
  projectDir: string;
  graphIds: string[];
  /** The project's custom auth as langgraph.json declares it ("auth.path"); null when it has none. */
  auth: ProjectAuth | null;
  /**
   * Headers the renderer sends with every request to the server: the
   * Studio's per-launch credential, or (disable_studio_auth) the token from
   * Settings. Empty when the project has no auth.
   */
  serverHeaders: Record<string, string>;
  /** Why the project's graphs did not load, one entry per error the server printed (empty when it started). */
  projectErrors: ProjectError[];
  /** The host can show a native folder picker (Electron); otherwise the renderer asks for a path. */
  canPickFolder?: boolean;
  /** `skeino dev` runs the server and serves this Studio: restart, durability and settings belong to it. */
  devServer?: boolean;
}

export interface ProjectError {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface RecentProject {
  /** Absolute folder holding langgraph.json. */
  dir: string;
  openedAt: number;
  /** The folder or its langgraph.json is gone. */
  missing: boolean;
  /** The Studio's route (URL hash) when it last showed this project: where a relaunch comes back to. */
  lastView?: string;
}

export interface OpenProjectResult {
  ok: boolean;
  /** Why the folder was refused (no langgraph.json...); the current project stays open. */
  error?: string;
  /** The folder picker was closed without a choice. */
  canceled?: boolean;
  status: ServerStatus;
  recent: RecentProject[];
}

export interface ProjectAuth {
  /** "auth.disable_studio_auth": the Studio authenticates like any client, with the token from Settings. */
  studioAuthDisabled: boolean;
  /** Whether Settings holds a token (only used when studioAuthDisabled). */
  hasToken: boolean;
}

export interface StudioSettings {
  persistence: PersistenceMode;
  /**
   * PostgreSQL connection URI for mode "postgres". When read from the host the
   * password is replaced by PASSWORD_MASK; sending the mask back keeps the
   * stored password.
   */
  postgresUri: string;
  /**
   * A token of the project's auth, sent as "Authorization: Bearer <token>"
   * when langgraph.json sets auth.disable_studio_auth. Read back masked
   * (PASSWORD_MASK); sending the mask back keeps the stored token.
   */
  authToken?: string;
}

export const PASSWORD_MASK = "••••••••";

export interface ConnectionCheck {
  ok: boolean;
  /** What the user should read: "Connected to PostgreSQL 18.1 at 127.0.0.1:5432/postgres" or the clear error. */
  message: string;
  /** PostgreSQL SQLSTATE or Node error code (28P01, ECONNREFUSED, ...). */
  code?: string;
  serverVersion?: string;
  elapsedMs: number;
}

export interface ApplyResult {
  ok: boolean;
  /** Set when the settings were rejected (validation or connection check). */
  error?: string;
  check?: ConnectionCheck;
  status: ServerStatus;
  settings: StudioSettings;
}

export type RestartMode = "graceful" | "kill";

export type ThreadOutcome = "survived" | "changed" | "lost";

export interface ThreadComparison {
  threadId: string;
  outcome: ThreadOutcome;
  checkpointBefore: string | null;
  checkpointAfter: string | null;
  historyHeadBefore: string | null;
  historyHeadAfter: string | null;
  /** Why a thread is "changed" or "lost". */
  detail?: string;
}

export interface DurabilityTimings {
  snapshotMs: number;
  restartMs: number;
  compareMs: number;
  totalMs: number;
}

export type DurabilityVerdict = "survived" | "partial" | "lost" | "no-threads" | "failed";

export interface DurabilityReport {
  mode: RestartMode;
  scheme: string | null;
  verdict: DurabilityVerdict;
  /** One line: "All 3 threads survived a kill restart." */
  summary: string;
  /** Why the verdict is what it is (memory mode: why "lost" is expected and how to switch). */
  explanation?: string;
  bootIdBefore: string | null;
  bootIdAfter: string | null;
  counts: Record<ThreadOutcome, number>;
  threads: ThreadComparison[];
  timings: DurabilityTimings;
  startedAt: number;
  error?: string;
}

export type DurabilityPhase = "snapshot" | "restart" | "compare" | "done";

export interface LogLine {
  seq: number;
  time: number;
  stream: "stdout" | "stderr" | "supervisor";
  text: string;
}

/** `skeino dev` reloaded the graphs after an edit, or failed to (`error`, the last good graphs still serve). */
export interface GraphReload {
  generation: number;
  /** Graphs whose code changed (all of them when the manifest or env file changed). */
  graphs: string[];
  /** Changed files, relative to the project folder. */
  files: string[];
  durationMs?: number;
  error?: { message: string; file?: string; line?: number };
}

export type ServerEvent =
  | { type: "status"; status: ServerStatus }
  | { type: "log"; line: LogLine }
  | { type: "durability"; phase: DurabilityPhase; done: number; total: number; message: string }
  | ({ type: "reload" } & GraphReload);

export type ServerEventListener = (event: ServerEvent) => void;

export interface HostApi {
  getServerStatus(): Promise<ServerStatus>;
  getSettings(): Promise<StudioSettings>;
  /** Validate, test the connection, persist and restart the server. */
  saveSettings(settings: StudioSettings): Promise<ApplyResult>;
  testConnection(uri: string): Promise<ConnectionCheck>;
  restartServer(mode?: RestartMode): Promise<ServerStatus>;
  verifyDurability(mode?: RestartMode): Promise<DurabilityReport>;
  getLogs(): Promise<LogLine[]>;
  /** Restart the server on another project folder; without `dir`, the host's folder picker asks (Electron). */
  openProject(dir?: string): Promise<OpenProjectResult>;
  getRecentProjects(): Promise<RecentProject[]>;
  /** Keep the route (URL hash, "#/...") the Studio shows for the current project, for the next launch. */
  rememberView(view: string): Promise<void>;
  onServerEvent(listener: ServerEventListener): () => void;
}

/** The request/response methods of HostApi (everything but the event subscription). */
export type HostMethod = Exclude<keyof HostApi, "onServerEvent">;

export const HOST_METHODS = [
  "getServerStatus",
  "getSettings",
  "saveSettings",
  "testConnection",
  "restartServer",
  "verifyDurability",
  "getLogs",
  "openProject",
  "getRecentProjects",
  "rememberView",
] as const satisfies readonly HostMethod[];

/** Electron IPC channel names, written once: "host:<method>" and one event channel. */
export const IPC_CHANNELS = {
  invoke: Object.fromEntries(HOST_METHODS.map((m) => [m, `host:${m}`])) as { [M in HostMethod]: `host:${M}` },
  serverEvent: "host:server-event",
} as const;

/** Browser-shell HTTP routes (same origin as the renderer). */
export const WEB_ROUTES = {
  invoke: (method: HostMethod) => `/api/host/${method}`,
  events: "/api/host/events",
  tokenHeader: "x-skeino-token",
} as const;
