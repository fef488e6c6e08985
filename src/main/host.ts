// StudioHost: the HostApi implementation. Composes the settings store, the
// server supervisor, Local PostgreSQL and the durability probe. Plain Node, so
// Electron's IPC glue and the browser shell both wrap the same object.
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type {
  ApplyResult,
  ConnectionCheck,
  DurabilityReport,
  HostApi,
  LogLine,
  OpenProjectResult,
  RecentProject,
  RestartMode,
  ServerEvent,
  ServerEventListener,
  ServerStatus,
  StudioSettings,
} from "../shared/host-api.ts";
import { CONFIG_ERROR_EXIT_CODE } from "../server/errors.ts";
import { describePostgresError, uriParts } from "../server/postgres.ts";
import { verifyDurability } from "./durability.ts";
import { LocalPostgres } from "./local-postgres.ts";
import { parseStartErrors } from "./project-errors.ts";
import { isView, RecentProjects } from "./recent-projects.ts";
import { maskPassword, parsePostgresUri, type SecretCodec, SettingsStore, validateSettings } from "./settings-store.ts";
import { type ChildLauncher, type LaunchSpec, ServerSupervisor, type SupervisorSnapshot } from "./supervisor.ts";

export interface StudioHostOptions {
  dataDir: string;
  /** Folder with a langgraph.json. Defaults to the bundled example project. */
  projectDir?: string;
  /** Path to bin/skeino.mjs. */
  serverEntry?: string;
  launcher?: ChildLauncher;
  codec?: SecretCodec;
  /** Extra environment for the server child (tests). */
  serverEnv?: NodeJS.ProcessEnv;
  /** A native folder picker (Electron's dialog); null when the user cancels. Absent: openProject needs a path. */
  pickFolder?: () => Promise<string | null>;
}

/** Repository root, from this file (src/main/host.ts) or a bundle in out/main. */
export function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, "bin", "skeino.mjs"))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function defaultProjectDir(): string {
  return join(appRoot(), "resources", "example");
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connect with `pg` and run one query; a failure is explained by the server's
 * own PostgreSQL explainer, so the Studio and `skeino serve` word it alike.
 */
export async function testPostgresConnection(uri: string): Promise<ConnectionCheck> {
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  try {
    parsePostgresUri(uri);
  } catch (err) {
    return { ok: false, message: (err as Error).message, code: "INVALID_URI", elapsedMs: elapsed() };
  }
  const { host, port, database, user } = uriParts(uri);
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection that fails after connect() must not crash the host process.
  client.on("error", () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const version = res.rows[0]?.v ?? "unknown";
    return {
      ok: true,
      message: `Connected to PostgreSQL ${version} at ${host}:${port}/${database} as ${user}`,
      serverVersion: version,
      elapsedMs: elapsed(),
    };
  } catch (err) {
    const explained = describePostgresError(err, uri, CONNECT_TIMEOUT_MS);
    return { ok: false, message: explained.message, code: explained.driverError?.code ?? explained.code, elapsedMs: elapsed() };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class StudioHost implements HostApi {
  readonly store: SettingsStore;
  readonly supervisor: ServerSupervisor;
  readonly localPostgres: LocalPostgres;
  readonly recent: RecentProjects;
  private currentProjectDir: string;
  private readonly listeners = new Set<ServerEventListener>();
  private durabilityRun: Promise<DurabilityReport> | null = null;
  /**
   * The Studio's credential for its own server when the project has custom
   * auth: new every launch, handed to the server through its environment and
   * to the renderer through the status, never shown or stored.
   */
  private readonly studioToken = randomBytes(32).toString("base64url");

  constructor(private readonly options: StudioHostOptions) {
    this.store = new SettingsStore(options.dataDir, options.codec);
    this.currentProjectDir = resolve(options.projectDir ?? defaultProjectDir());
    this.recent = new RecentProjects(options.dataDir);
    this.localPostgres = new LocalPostgres(options.dataDir, (line) => this.supervisorLog(`[local-postgres] ${line}`));
    this.supervisor = new ServerSupervisor({
      spec: () => this.launchSpec(),
      launcher: options.launcher,
      finalExitCodes: [CONFIG_ERROR_EXIT_CODE],
    });
    this.supervisor.on((e) => {
      if (e.type === "status") this.emit({ type: "status", status: this.toStatus(e.snapshot) });
      else this.emit({ type: "log", line: e.line });
    });
  }

  get projectDir(): string {
    return this.currentProjectDir;
  }

  /** Start the server with the saved settings; resolves with the status either way. */
  async start(): Promise<ServerStatus> {
    if (existsSync(join(this.currentProjectDir, "langgraph.json"))) this.recent.add(this.currentProjectDir);
    try {
      await this.supervisor.start();
    } catch {
      // The status carries the error; the UI shows it and stays usable.
    }
    return this.getServerStatus();
  }

  async close(): Promise<void> {
    await this.supervisor.stop();
    await this.localPostgres.stop().catch(() => undefined);
  }

  async getServerStatus(): Promise<ServerStatus> {
    return this.toStatus(this.supervisor.status);
  }

  async getSettings(): Promise<StudioSettings> {
    return this.store.read();
  }

  async getLogs(): Promise<LogLine[]> {
    return this.supervisor.getLogs();
  }

  async testConnection(uri: string): Promise<ConnectionCheck> {
    let full: string;
    try {
      full = this.store.unmask(uri);
    } catch (err) {
      return { ok: false, message: (err as Error).message, code: "INVALID_URI", elapsedMs: 0 };
    }
    return testPostgresConnection(full);
  }

  async saveSettings(input: StudioSettings): Promise<ApplyResult> {
    const reject = async (error: string, check?: ConnectionCheck): Promise<ApplyResult> => ({
      ok: false,
      error,
      check,
      status: await this.getServerStatus(),
      settings: this.store.read(),
    });
    let settings: StudioSettings;
    try {
      settings = validateSettings(input);
      if (settings.postgresUri) settings = { ...settings, postgresUri: this.store.unmask(settings.postgresUri) };
    } catch (err) {
      return reject((err as Error).message);
    }
    if (settings.persistence === "postgres") {
      const check = await testPostgresConnection(settings.postgresUri);
      if (!check.ok) return reject(check.message, check);
    }
    if (settings.persistence === "local-postgres") {
      try {
        await this.localPostgres.start();
      } catch (err) {
        return reject((err as Error).message);
      }
    }
    const previous = this.store.readFull().persistence;
    const saved = this.store.write(settings);
    this.supervisorLog(
      `settings saved: persistence=${settings.persistence}${settings.postgresUri ? ` uri=${maskPassword(settings.postgresUri)}` : ""}`,
    );
    let error: string | undefined;
    try {
      await this.supervisor.restart("graceful");
    } catch (err) {
      error = `Settings saved, but the server did not start: ${(err as Error).message}`;
    }
    if (previous === "local-postgres" && settings.persistence !== "local-postgres") {
      await this.localPostgres.stop().catch(() => undefined);
    }
    return { ok: !error, error, status: await this.getServerStatus(), settings: saved };
  }

  async restartServer(mode: RestartMode = "graceful"): Promise<ServerStatus> {
    try {
      await this.supervisor.restart(mode);
    } catch {
      // Reported through the status.
    }
    return this.getServerStatus();
  }

  async getRecentProjects(): Promise<RecentProject[]> {
    return this.recent.list();
  }

  async rememberView(view: string): Promise<void> {
    // Over HTTP the argument is whatever the page sent.
    if (!isView(view)) throw new Error('A view is the Studio\'s URL hash ("#/...", at most 2,000 characters).');
    this.recent.setView(this.currentProjectDir, view);
  }

  async openProject(dir?: string): Promise<OpenProjectResult> {
    const answer = async (extra: Pick<OpenProjectResult, "ok" | "error" | "canceled">): Promise<OpenProjectResult> => ({
      ...extra,
      status: await this.getServerStatus(),
      recent: this.recent.list(),
    });
    // Over HTTP the argument is whatever the page sent.
    if (dir !== undefined && dir !== null && typeof dir !== "string") return answer({ ok: false, error: "The project folder must be a path." });
    let chosen = dir?.trim();
    if (!chosen) {
      if (!this.options.pickFolder) return answer({ ok: false, error: "Type the path of a folder that holds a langgraph.json." });
      chosen = (await this.options.pickFolder()) ?? undefined;
      if (!chosen) return answer({ ok: false, canceled: true });
    }
    const folder = resolve(chosen);
    if (!existsSync(join(folder, "langgraph.json"))) return answer({ ok: false, error: `No langgraph.json in ${folder}` });
    this.supervisorLog(`opening project ${folder}`);
    this.currentProjectDir = folder;
    this.recent.add(folder);
    try {
      await this.supervisor.restart("graceful");
    } catch {
      // The project is open either way: its errors are in the status (projectErrors) with a Reload action.
    }
    return answer({ ok: true });
  }

  verifyDurability(mode: RestartMode = "graceful"): Promise<DurabilityReport> {
    // One probe at a time: a second click joins the one in flight.
    this.durabilityRun ??= verifyDurability(
      {
        current: () => this.supervisor.status,
        restart: async (m) => this.supervisor.restart(m),
        headers: () => this.serverHeaders(),
      },
      mode,
      (phase, done, total, message) => this.emit({ type: "durability", phase, done, total, message }),
    ).finally(() => {
      this.durabilityRun = null;
    });
    return this.durabilityRun;
  }

  onServerEvent(listener: ServerEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(event: ServerEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener (closed window, dropped SSE client) must not stop the others.
      }
    }
  }

  private supervisorLog(text: string): void {
    this.supervisor.note(text);
  }

  private toStatus(s: SupervisorSnapshot): ServerStatus {
    const settings = this.store.readFull();
    const auth = this.projectAuth();
    const { startStderr, ...snapshot } = s;
    return {
      ...snapshot,
      mode: settings.persistence,
      projectDir: this.currentProjectDir,
      projectErrors: s.state === "error" ? parseStartErrors(startStderr) : [],
      canPickFolder: this.options.pickFolder !== undefined,
      auth: auth ? { ...auth, hasToken: !!settings.authToken } : null,
      serverHeaders: this.serverHeaders(),
    };
  }

  /** langgraph.json's "auth" (read again each time: the user may edit it between restarts). */
  private projectAuth(): { studioAuthDisabled: boolean } | null {
    try {
      const manifest = JSON.parse(readFileSync(join(this.projectDir, "langgraph.json"), "utf-8")) as {
        auth?: { path?: unknown; disable_studio_auth?: unknown };
      };
      if (!manifest.auth || typeof manifest.auth.path !== "string" || manifest.auth.path === "") return null;
      return { studioAuthDisabled: manifest.auth.disable_studio_auth === true };
    } catch {
      return null;
    }
  }

  private serverHeaders(): Record<string, string> {
    const auth = this.projectAuth();
    if (!auth) return {};
    if (!auth.studioAuthDisabled) return { "x-skeino-studio-token": this.studioToken };
    const token = this.store.readFull().authToken;
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  private async launchSpec(): Promise<LaunchSpec> {
    const config = join(this.projectDir, "langgraph.json");
    if (!existsSync(config)) throw new Error(`No langgraph.json in ${this.projectDir}`);
    const settings = this.store.readFull();
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.serverEnv };
    // The URI goes through the environment, not argv, so it never shows in `ps`.
    delete env.SKEINO_POSTGRES_URI;
    env.SKEINO_STUDIO_TOKEN = this.studioToken;
    if (settings.persistence === "postgres") env.SKEINO_POSTGRES_URI = settings.postgresUri;
    if (settings.persistence === "local-postgres") env.SKEINO_POSTGRES_URI = await this.localPostgres.start();
    return {
      entry: this.options.serverEntry ?? join(appRoot(), "bin", "skeino.mjs"),
      args: ["serve", "--config", config, "--port", "0", "--host", "127.0.0.1"],
      env,
    };
  }
}
