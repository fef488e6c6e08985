// Spawns `skeino serve` (bin/skeino.mjs) as a user runs it, waits for its
// readiness lines, and keeps track of every child so a test file can kill
// whatever is left in afterAll, even when a test failed half-way.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";

export const REPO_ROOT = join(import.meta.dirname, "../..");
export const SKEINO_BIN = join(REPO_ROOT, "bin/skeino.mjs");

export interface CliServer {
  child: ChildProcess;
  url: string;
  client: Client;
  /** stdout lines so far ("skeino listening on ...", "persistence: ..."). */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with "code/signal" once the process exited (SIGKILL after `timeoutMs`). */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<string>;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 30 s. */
  startTimeoutMs?: number;
}

const children = new Set<ChildProcess>();

function exited(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(`${child.exitCode}/${child.signalCode}`);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(`${code}/${signal}`)));
}

/** `skeino serve ...args`; resolves once it printed its URL and its persistence line. */
export function startCli(args: string[], options: CliOptions = {}): Promise<CliServer> {
  const child = spawn(process.execPath, [SKEINO_BIN, "serve", ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    // No background schema parse (seconds of CPU) in servers that never serve /schemas.
    env: { SKEINO_SCHEMA_PREFETCH: "0", ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const stop = async (signal: NodeJS.Signals, timeoutMs = 15_000): Promise<string> => {
    const done = exited(child);
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      return await done;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`skeino did not start in ${options.startTimeoutMs ?? 30_000} ms:\n${err}`));
    }, options.startTimeoutMs ?? 30_000);
    child.stdout?.on("data", () => {
      const match = /^skeino listening on (http:\/\/\S+)$/m.exec(out);
      if (!match || !/^persistence: /m.test(out)) return;
      clearTimeout(timer);
      const url = match[1] as string;
      resolve({
        child,
        url,
        client: new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } }),
        stdout: () => out,
        stderr: () => err,
        stop,
      });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`skeino exited (${code}/${signal}) before listening:\n${err}`));
    });
  });
}

/** Runs `skeino ...args` to completion (bounded), collecting its output. */
export function runCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SKEINO_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`skeino ${args.join(" ")} did not finish in ${options.timeoutMs ?? 30_000} ms:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** SIGKILLs every child this module started that is still running; for afterAll. */
export async function killAllCliChildren(): Promise<void> {
  const left = [...children];
  await Promise.all(
    left.map((child) => {
      const done = exited(child);
      child.kill("SIGKILL");
      return done;
    }),
  );
}
