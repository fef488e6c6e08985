// HostApi for a server the Studio does not own: `skeino dev` runs the server
// in its own process and serves the Studio beside it. The Studio sees the
// server as always ready; what needs a host that owns the process
// (persistence settings, restart, durability check) answers why it cannot.
// Plain Node with shared types only, so the published package can carry it.
import type {
  ApplyResult,
  ConnectionCheck,
  DurabilityReport,
  HostApi,
  LogLine,
  OpenProjectResult,
  RecentProject,
  ServerEvent,
  ServerEventListener,
  ServerStatus,
  StudioSettings,
} from "../shared/host-api.ts";

export interface AttachedServer {
  url: string;
  projectDir: string;
  pid: number;
  bootId: string;
  scheme: string;
  graphIds(): string[];
  /** The project's custom auth, if any, and the headers that make the Studio its local owner. */
  auth: { studioAuthDisabled: boolean } | null;
  serverHeaders: Record<string, string>;
}

const NOT_HERE = "skeino dev hosts this server itself: stop it and start it again (e.g. with --postgres-uri) to change persistence or restart it";
const OTHER_PROJECT = "skeino dev serves the project it was started in: run it in another folder to open that project";
const LOG_LIMIT = 1000;

export class AttachedServerHost implements HostApi {
  private readonly listeners = new Set<ServerEventListener>();
  private readonly logs: LogLine[] = [];
  private seq = 0;
  private readonly readyAt = Date.now();

  constructor(private readonly server: AttachedServer) {}

  private emit(event: ServerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** A line for the Studio's log panel. */
  log(stream: LogLine["stream"], text: string): void {
    const line: LogLine = { seq: ++this.seq, time: Date.now(), stream, text };
    this.logs.push(line);
    if (this.logs.length > LOG_LIMIT) this.logs.shift();
    this.emit({ type: "log", line });
  }

  /** The graphs were reloaded, or a reload failed (`error`): the Studio redraws and says so. */
  reloaded(event: Omit<Extract<ServerEvent, { type: "reload" }>, "type">): void {
    this.emit({ type: "reload", ...event });
    this.emit({ type: "status", status: this.status() });
  }

  private status(): ServerStatus {
    const mode = this.server.scheme === "postgres" ? "postgres" : "memory";
    return {
      state: "ready",
      url: this.server.url,
      pid: this.server.pid,
      bootId: this.server.bootId,
      scheme: this.server.scheme,
      mode,
      readyAt: this.readyAt,
      crashCount: 0,
      error: null,
      projectDir: this.server.projectDir,
      projectErrors: [],
      graphIds: this.server.graphIds(),
      auth: this.server.auth ? { studioAuthDisabled: this.server.auth.studioAuthDisabled, hasToken: false } : null,
      serverHeaders: this.server.serverHeaders,
      devServer: true,
    };
  }

  async getServerStatus(): Promise<ServerStatus> {
    return this.status();
  }

  async getSettings(): Promise<StudioSettings> {
    return { persistence: this.server.scheme === "postgres" ? "postgres" : "memory", postgresUri: "" };
  }

  async saveSettings(): Promise<ApplyResult> {
    return { ok: false, error: NOT_HERE, status: this.status(), settings: await this.getSettings() };
  }

  async testConnection(): Promise<ConnectionCheck> {
    return { ok: false, message: NOT_HERE, elapsedMs: 0 };
  }

  async restartServer(): Promise<ServerStatus> {
    throw new Error(NOT_HERE);
  }

  async verifyDurability(): Promise<DurabilityReport> {
    throw new Error(NOT_HERE);
  }

  async getLogs(): Promise<LogLine[]> {
    return [...this.logs];
  }

  async openProject(): Promise<OpenProjectResult> {
    return { ok: false, error: OTHER_PROJECT, status: this.status(), recent: [] };
  }

  async getRecentProjects(): Promise<RecentProject[]> {
    return [];
  }

  /** `skeino dev` keeps no data dir: a reload keeps the route in the URL, a new dev session starts fresh. */
  async rememberView(): Promise<void> {}

  onServerEvent(listener: ServerEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
