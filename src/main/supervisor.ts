// ServerSupervisor owns the lifecycle of one skeino server child process:
// start (readiness = the printed "skeino listening on" line + GET /ok + GET /info),
// graceful restart, kill (crash simulation), bounded exponential back-off on
// repeated crashes, and a ring buffer of captured log lines. Plain Node: the
// process launcher is injected so Electron can use utilityProcess.
import { fork } from "node:child_process";
import { createInterface } from "node:readline";
import type { LogLine, ServerState } from "../shared/host-api.ts";

/** A running child as the supervisor sees it, whatever launched it. */
export interface ChildHandle {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  /** Called once with the exit code (null when killed by a signal). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
}

export type ChildLauncher = (entry: string, args: string[], env: NodeJS.ProcessEnv) => ChildHandle;

/** Default launcher: child_process.fork with piped stdio (the browser shell and tests). */
export const forkLauncher: ChildLauncher = (entry, args, env) => {
  const child = fork(entry, args, { env, stdio: ["ignore", "pipe", "pipe", "ipc"], execArgv: [] });
  return {
    get pid() {
      return child.pid;
    },
    stdout: child.stdout,
    stderr: child.stderr,
    onExit(listener) {
      child.once("exit", (code, signal) => listener(code, signal));
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
};

export interface LaunchSpec {
  entry: string;
  args: string[];
  /** The child's whole environment (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface BackoffPolicy {
  /** Delay before the first automatic restart after a crash. */
  initialMs: number;
  maxMs: number;
  /** Consecutive crashes (without reaching ready and staying up) before giving up. */
  maxCrashes: number;
}

export interface SupervisorOptions {
  /** Called before every start so settings changes apply on restart. */
  spec: () => LaunchSpec | Promise<LaunchSpec>;
  launcher?: ChildLauncher;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  logLimit?: number;
  /** A child that stays ready this long resets the crash counter. */
  stableAfterMs?: number;
  /**
   * Exit codes that mean "starting again will not help" when the child exits
   * with one before it was ready (the CLI's CONFIG_ERROR_EXIT_CODE: a project
   * whose graphs fail to load). Such a start ends in the error state with its
   * stderr, instead of the crash back-off. Other failures (a database still
   * booting) keep the back-off.
   */
  finalExitCodes?: number[];
}

export interface SupervisorSnapshot {
  state: ServerState;
  url: string | null;
  pid: number | null;
  bootId: string | null;
  scheme: string | null;
  readyAt: number | null;
  crashCount: number;
  error: string | null;
  graphIds: string[];
  /** stderr of a start that exited before it was ready (what the server said about why). */
  startStderr: string[];
}

export type SupervisorEvent = { type: "status"; snapshot: SupervisorSnapshot } | { type: "log"; line: LogLine };

interface ServerInfo {
  boot_id?: string;
  persistence?: { scheme?: string };
  graphs?: string[];
}

const LISTENING = /skeino listening on (http:\/\/\S+)/;

export class ServerSupervisor {
  private readonly opts: Required<Omit<SupervisorOptions, "backoff">> & { backoff: BackoffPolicy };
  private child: ChildHandle | null = null;
  private snap: SupervisorSnapshot = {
    state: "stopped",
    url: null,
    pid: null,
    bootId: null,
    scheme: null,
    readyAt: null,
    crashCount: 0,
    error: null,
    graphIds: [],
    startStderr: [],
  };
  private readonly logs: LogLine[] = [];
  private seq = 0;
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  private backoffTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  /** Resolves when the current start attempt settles (ready or given up). */
  private pendingStart: Promise<SupervisorSnapshot> | null = null;
  private generation = 0;

  constructor(options: SupervisorOptions) {
    this.opts = {
      spec: options.spec,
      launcher: options.launcher ?? forkLauncher,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
      logLimit: options.logLimit ?? 1000,
      stableAfterMs: options.stableAfterMs ?? 10_000,
      finalExitCodes: options.finalExitCodes ?? [],
      backoff: { initialMs: 500, maxMs: 8_000, maxCrashes: 4, ...options.backoff },
    };
  }

  get status(): SupervisorSnapshot {
    return { ...this.snap, graphIds: [...this.snap.graphIds], startStderr: [...this.snap.startStderr] };
  }

  getLogs(): LogLine[] {
    return [...this.logs];
  }

  on(listener: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Start the server if it is not running; resolves once ready, rejects if it cannot start. */
  async start(): Promise<SupervisorSnapshot> {
    if (this.snap.state === "ready") return this.status;
    if (this.pendingStart) return this.pendingStart;
    this.snap.crashCount = 0;
    return this.beginStart();
  }

  /** Graceful stop (SIGTERM, then SIGKILL after stopTimeoutMs). */
  async stop(): Promise<void> {
    this.generation++;
    this.clearTimers();
    const child = this.child;
    if (!child) {
      this.pendingStart = null;
      this.update({ state: "stopped", url: null, pid: null, readyAt: null });
      return;
    }
    this.update({ state: "stopping" });
    this.log("supervisor", `stopping server (pid ${child.pid}) with SIGTERM`);
    await this.terminate(child, "SIGTERM");
    this.pendingStart = null;
    this.update({ state: "stopped", url: null, pid: null, readyAt: null });
  }

  /**
   * Restart the server. "graceful" sends SIGTERM and waits for a clean exit;
   * "kill" sends SIGKILL (what a crash or power loss looks like to the
   * persistence layer) and then starts a fresh process.
   */
  async restart(mode: "graceful" | "kill" = "graceful"): Promise<SupervisorSnapshot> {
    this.generation++;
    this.clearTimers();
    const child = this.child;
    if (child) {
      this.update({ state: "stopping" });
      this.log("supervisor", `restart (${mode}): ${mode === "kill" ? "SIGKILL" : "SIGTERM"} to pid ${child.pid}`);
      await this.terminate(child, mode === "kill" ? "SIGKILL" : "SIGTERM");
    }
    this.pendingStart = null;
    this.update({ state: "stopped", url: null, pid: null, readyAt: null });
    this.snap.crashCount = 0;
    return this.beginStart();
  }

  /** Add a line to the captured log (host notes: settings saved, Local PostgreSQL...). */
  note(text: string): void {
    this.log("supervisor", text);
  }

  /** SIGKILL the child and let the crash back-off restart it (tests, "simulate crash"). */
  simulateCrash(): void {
    this.child?.kill("SIGKILL");
  }

  private beginStart(): Promise<SupervisorSnapshot> {
    const gen = ++this.generation;
    const attempt = new Promise<SupervisorSnapshot>((resolve, reject) => {
      const settle = { resolve, reject };
      void this.launch(gen, settle);
    });
    this.pendingStart = attempt;
    // Callers that do not await start() must not see an unhandled rejection.
    attempt.catch(() => undefined);
    return attempt;
  }

  private async launch(gen: number, settle: { resolve: (s: SupervisorSnapshot) => void; reject: (e: Error) => void }): Promise<void> {
    let spec: LaunchSpec;
    try {
      spec = await this.opts.spec();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.update({ state: "error", error: message });
      this.log("supervisor", `cannot start: ${message}`);
      this.pendingStart = null;
      settle.reject(new Error(message));
      return;
    }
    if (gen !== this.generation) {
      settle.reject(new Error("start superseded by a stop or restart"));
      return;
    }
    this.update({ state: "starting", error: null, url: null, bootId: null, scheme: null, readyAt: null, startStderr: [] });
    const attemptStderr: string[] = [];
    this.log("supervisor", `starting ${spec.entry} ${spec.args.join(" ")}`);
    const child = this.opts.launcher(spec.entry, spec.args, spec.env ?? process.env);
    this.child = child;
    this.update({ pid: child.pid ?? null });

    let ready = false;
    let exited = false;
    const readyTimer = setTimeout(() => {
      if (!ready && !exited && gen === this.generation) {
        this.log("supervisor", `server not ready after ${this.opts.readyTimeoutMs} ms; killing it`);
        child.kill("SIGKILL");
      }
    }, this.opts.readyTimeoutMs);

    const onLine = (stream: "stdout" | "stderr") => (text: string) => {
      this.log(stream, text);
      if (stream === "stderr" && !ready && attemptStderr.length < 200) attemptStderr.push(text);
      if (stream !== "stdout" || gen !== this.generation) return;
      const listening = LISTENING.exec(text);
      if (listening && !ready) {
        void this.probe(listening[1]!, gen).then(
          (info) => {
            if (gen !== this.generation || exited) return;
            ready = true;
            clearTimeout(readyTimer);
            this.update({
              state: "ready",
              url: listening[1]!,
              bootId: info.boot_id ?? null,
              scheme: info.persistence?.scheme ?? null,
              readyAt: Date.now(),
              error: null,
              graphIds: Array.isArray(info.graphs) ? info.graphs.map(String) : [],
            });
            this.pendingStart = null;
            this.stableTimer = setTimeout(() => {
              if (gen === this.generation) this.snap.crashCount = 0;
            }, this.opts.stableAfterMs);
            settle.resolve(this.status);
          },
          (err: unknown) => {
            this.log("supervisor", `readiness probe failed: ${err instanceof Error ? err.message : String(err)}`);
            child.kill("SIGKILL");
          },
        );
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine("stdout"));
    if (child.stderr) createInterface({ input: child.stderr }).on("line", onLine("stderr"));

    child.onExit((code, signal) => {
      exited = true;
      clearTimeout(readyTimer);
      this.log("supervisor", `server exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      if (this.child === child) this.child = null;
      // Exits we caused (stop/restart) bump the generation first and are not crashes;
      // whoever waited for this attempt to become ready learns it never will.
      if (gen !== this.generation) {
        if (!ready) settle.reject(new Error("start superseded by a stop or restart"));
        return;
      }
      if (!ready && code !== null && this.opts.finalExitCodes.includes(code)) {
        this.failStart(code, attemptStderr, settle);
        return;
      }
      this.onCrash(code, signal, ready, settle);
    });
  }

  /** A start that exited on its own before it was ready: report what it said, do not retry. */
  private failStart(code: number | null, stderr: string[], settle: { reject: (e: Error) => void }): void {
    this.clearTimers();
    const said = stderr.filter((l) => l.trim() !== "");
    const error = `Server exited with code ${code} before it was ready${said.length ? `: ${said[0]}` : ""}`;
    this.update({ state: "error", error, url: null, pid: null, readyAt: null, startStderr: said });
    this.log("supervisor", `${error}. Not retrying: fix the cause and reload.`);
    this.pendingStart = null;
    settle.reject(new Error(error));
  }

  private onCrash(
    code: number | null,
    signal: string | null,
    wasReady: boolean,
    settle: { resolve: (s: SupervisorSnapshot) => void; reject: (e: Error) => void },
  ): void {
    this.clearTimers();
    const crashCount = this.snap.crashCount + 1;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const lastErr = [...this.logs].reverse().find((l) => l.stream === "stderr")?.text;
    const reason = `Server ${how}${wasReady ? "" : " before it was ready"}${lastErr ? `: ${lastErr}` : ""}`;
    const { initialMs, maxMs, maxCrashes } = this.opts.backoff;
    if (crashCount >= maxCrashes) {
      const error = `${reason}. Gave up after ${crashCount} crashes in a row; fix the cause and restart.`;
      this.update({ state: "error", crashCount, error, url: null, pid: null, readyAt: null });
      this.log("supervisor", error);
      this.pendingStart = null;
      settle.reject(new Error(error));
      return;
    }
    const delay = Math.min(maxMs, initialMs * 2 ** (crashCount - 1));
    this.update({ state: "crashed", crashCount, error: reason, url: null, pid: null, readyAt: null });
    this.log("supervisor", `${reason}. Restarting in ${delay} ms (crash ${crashCount} of ${maxCrashes}).`);
    const gen = ++this.generation;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      if (gen !== this.generation) return;
      void this.launch(gen, settle);
    }, delay);
    // A pending start() keeps waiting through the back-off; a crash after ready has no waiter.
    if (wasReady) this.pendingStart = null;
  }

  private async probe(url: string, gen: number): Promise<ServerInfo> {
    const deadline = Date.now() + this.opts.readyTimeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline && gen === this.generation) {
      try {
        const ok = await fetch(`${url}/ok`, { signal: AbortSignal.timeout(2_000) });
        if (ok.ok) {
          const info = await fetch(`${url}/info`, { signal: AbortSignal.timeout(2_000) });
          return info.ok ? ((await info.json()) as ServerInfo) : {};
        }
        lastError = new Error(`GET /ok answered ${ok.status}`);
      } catch (err) {
        lastError = err;
      }
      await new Promise((r) => setTimeout(r, 100)); // poll: the line can precede accept() by a tick
    }
    throw lastError instanceof Error ? lastError : new Error("server did not become ready");
  }

  private terminate(child: ChildHandle, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        this.log("supervisor", `pid ${child.pid} did not exit within ${this.opts.stopTimeoutMs} ms; SIGKILL`);
        child.kill("SIGKILL");
      }, this.opts.stopTimeoutMs);
      child.onExit(() => {
        done = true;
        clearTimeout(timer);
        resolve();
      });
      if (this.child !== child) {
        // Already exited.
        done = true;
        clearTimeout(timer);
        resolve();
        return;
      }
      child.kill(signal);
    });
  }

  private clearTimers(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.backoffTimer = null;
    this.stableTimer = null;
  }

  private update(patch: Partial<SupervisorSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    const snapshot = this.status;
    for (const l of this.listeners) l({ type: "status", snapshot });
  }

  private log(stream: LogLine["stream"], text: string): void {
    const line: LogLine = { seq: ++this.seq, time: Date.now(), stream, text };
    this.logs.push(line);
    if (this.logs.length > this.opts.logLimit) this.logs.splice(0, this.logs.length - this.opts.logLimit);
    for (const l of this.listeners) l({ type: "log", line });
  }
}
