// Load and soak: N concurrent SDK clients for D seconds of mixed create / run
// (wait) / stream / state / search against an in-process server, then every
// client deletes what it created. Prints request counts, errors, latency
// percentiles per operation, memory before / at peak / after (forced GC), and
// whether the stream broker let go of every run's events.
//
//   node --expose-gc --import tsx bench/soak.ts [--backend memory|postgres|both]
//        [--clients 50] [--seconds 60] [--retention-seconds 60]
//
// The server runs in a child process of its own (forked from this file with
// --expose-gc), so its memory is measured alone and the clients' fetch work
// does not share its event loop (in one process, undici's client side alone
// put ~200 ms on every request at 20 clients). The child answers "stats"
// messages with its memory and app.context.engine.broker.size().
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { createApp, type SkeinoApp } from "../src/server/index.ts";
import type { SkeinoSettings } from "../src/server/settings.ts";
import { testGraphs } from "../test/fixtures/graphs.ts";

export type Operation = "create" | "run" | "stream" | "state" | "search" | "cleanup";
const OPERATIONS: Operation[] = ["create", "run", "stream", "state", "search"];

export interface SoakOptions {
  clients: number;
  seconds: number;
  /**
   * Rounds of every operation each client does at least, past `seconds` if it
   * must (default 0): a test's lower bounds then hold on a machine of any speed.
   */
  minRounds?: number;
  /** How long the broker keeps a finished run's events; default the server's (60 s). */
  retentionMs?: number;
  settings?: SkeinoSettings;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
}

export interface SoakReport {
  clients: number;
  seconds: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  perOperation: Record<Operation, { count: number; errors: number; p50: number; p95: number; p99: number; max: number }>;
  memory: { before: MemorySample; peak: MemorySample; afterLoad: MemorySample; afterRetention: MemorySample };
  broker: { atEnd: number; afterRetention: number };
  runsPending: number;
}

/** What the server child reports. */
interface ChildStats extends MemorySample {
  broker: number;
  runsPending: number;
}

type ChildRequest = { type: "stats"; gc: boolean; id: number } | { type: "close" };
type ChildMessage =
  { type: "ready"; url: string; scheme: string } | { type: "stats"; id: number; stats: ChildStats } | { type: "failed"; message: string };

const SELF = fileURLToPath(import.meta.url);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

function memory(): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The broker frees a finished run's events after retentionMs; shortening it keeps a test short. */
function setBrokerRetention(app: SkeinoApp, ms: number): void {
  // StreamBroker's retention is a constructor argument the engine does not
  // expose; it is read at each run's end, so changing it here applies to
  // every run that ends afterwards.
  (app.context.engine.broker as unknown as { retentionMs: number }).retentionMs = ms;
}

/** Starts the server child and resolves once it listens. */
function startServerChild(
  options: SoakOptions,
): Promise<{ child: ChildProcess; url: string; scheme: string; stats(gc: boolean): Promise<ChildStats>; close(): Promise<void> }> {
  const child = fork(SELF, ["--serve-child", JSON.stringify({ settings: options.settings ?? {}, retentionMs: options.retentionMs })], {
    execArgv: ["--expose-gc", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 0;
  const pending = new Map<number, (s: ChildStats) => void>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("soak: the server child did not start in 60 s"));
    }, 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`soak: the server child exited (${code}) before it was ready`));
    });
    child.on("message", (message: ChildMessage) => {
      if (message.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`soak: the server child failed: ${message.message}`));
      } else if (message.type === "stats") {
        pending.get(message.id)?.(message.stats);
        pending.delete(message.id);
      } else if (message.type === "ready") {
        clearTimeout(timer);
        resolve({
          child,
          url: message.url,
          scheme: message.scheme,
          stats: (gc) =>
            new Promise<ChildStats>((ok) => {
              const id = nextId++;
              pending.set(id, ok);
              child.send({ type: "stats", gc, id } satisfies ChildRequest);
            }),
          close: async () => {
            if (child.exitCode !== null) return;
            const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
            child.send({ type: "close" } satisfies ChildRequest);
            const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
            await exited;
            clearTimeout(killer);
          },
        });
      }
    });
  });
}

/** The server child: createApp, listen on loopback, answer stats requests. */
async function serveChild(config: { settings: SkeinoSettings; retentionMs?: number }): Promise<void> {
  const send = (m: ChildMessage) => process.send?.(m);
  let app: SkeinoApp;
  try {
    app = createApp({ graphs: testGraphs, settings: { logLevel: "error", ...config.settings } });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    if (config.retentionMs !== undefined) setBrokerRetention(app, config.retentionMs);
    send({ type: "ready", url, scheme: app.settings.checkpointerScheme });
  } catch (error) {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: ChildRequest) => {
    void (async () => {
      if (message.type === "close") {
        await app.close().catch(() => undefined);
        process.exit(0);
      }
      if (message.gc) gc();
      let runsPending = 0;
      const { items } = await app.context.persistence.metadata.threads.search({ limit: 1000, offset: 0 });
      for (const t of items) runsPending += (await app.context.persistence.metadata.runs.active(t.thread_id)).length;
      send({ type: "stats", id: message.id, stats: { ...memory(), broker: app.context.engine.broker.size(), runsPending } });
    })();
  });
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const server = await startServerChild(options);
  const { url } = server;
  try {
    const latencies = new Map<Operation, number[]>([...OPERATIONS, "cleanup" as const].map((op) => [op, []]));
    const failures = new Map<Operation, number>();
    const errorSamples: string[] = [];
    const timed = async <T>(op: Operation, fn: () => Promise<T>): Promise<T | undefined> => {
      const started = performance.now();
      try {
        const value = await fn();
        latencies.get(op)?.push(performance.now() - started);
        return value;
      } catch (error) {
        failures.set(op, (failures.get(op) ?? 0) + 1);
        if (errorSamples.length < 10) errorSamples.push(`${op}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    };

    // Warm up (JIT, first graph compile) before the baseline.
    const warm = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
    const warmThread = await warm.threads.create();
    await warm.runs.wait(warmThread.thread_id, "simple", { input: {} });
    await warm.threads.delete(warmThread.thread_id);
    const before: MemorySample = await server.stats(true);
    let peak: MemorySample = { rss: before.rss, heapUsed: before.heapUsed };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = await server.stats(false);
        peak = { rss: Math.max(peak.rss, now.rss), heapUsed: Math.max(peak.heapUsed, now.heapUsed) };
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const deadline = Date.now() + options.seconds * 1000;
    const worker = async (index: number) => {
      const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
      const tag = `soak-${index}`;
      const created: string[] = [];
      let thread: string | undefined;
      let i = index;
      let done = 0;
      const minOps = (options.minRounds ?? 0) * OPERATIONS.length;
      while (Date.now() < deadline || done < minOps) {
        done += 1;
        const op: Operation = thread === undefined ? "create" : OPERATIONS[i++ % OPERATIONS.length];
        const current = thread;
        switch (op) {
          case "create": {
            const t = await timed(op, () => client.threads.create({ metadata: { soak: tag } }));
            if (t) {
              thread = t.thread_id;
              created.push(t.thread_id);
            }
            break;
          }
          case "run":
            await timed(op, () => client.runs.wait(current as string, "simple", { input: {} }));
            break;
          case "stream":
            await timed(op, async () => {
              let events = 0;
              for await (const e of client.runs.stream(current as string, "simple", { input: {}, streamMode: ["values", "updates"] })) {
                if (e.event === "error") throw new Error(`stream error event: ${JSON.stringify(e.data)}`);
                events += 1;
              }
              if (events < 3) throw new Error(`stream ended after ${events} events`);
            });
            break;
          case "state":
            await timed(op, () => client.threads.getState(current as string));
            break;
          case "search":
            await timed(op, () => client.threads.search({ metadata: { soak: tag }, limit: 10 }));
            break;
          default:
            break;
        }
      }
      for (const id of created) await timed("cleanup", () => client.threads.delete(id));
    };
    log(`soak: ${options.clients} clients for ${options.seconds} s against ${url} (${server.scheme})`);
    await Promise.all(Array.from({ length: options.clients }, (_, i) => worker(i)));
    sampling = false;
    await sampler;

    const atEnd = await server.stats(true);
    const afterLoad: MemorySample = { rss: atEnd.rss, heapUsed: atEnd.heapUsed };
    const retentionMs = options.retentionMs ?? 60_000;
    log(`soak: load over; broker holds ${atEnd.broker} run streams; waiting up to ${Math.round(retentionMs / 1000) + 1} s for their retention`);
    const until = Date.now() + retentionMs + 1_000;
    while (Date.now() < until && (await server.stats(false)).broker > 0) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 200));
    const final = await server.stats(true);
    const afterRetention: MemorySample = { rss: final.rss, heapUsed: final.heapUsed };
    const brokerAtEnd = atEnd.broker;
    const brokerAfter = final.broker;
    const runsPending = final.runsPending;

    const perOperation = {} as SoakReport["perOperation"];
    let requests = 0;
    let errors = 0;
    for (const [op, values] of latencies) {
      const sorted = [...values].sort((a, b) => a - b);
      const failed = failures.get(op) ?? 0;
      requests += sorted.length + failed;
      errors += failed;
      perOperation[op] = {
        count: sorted.length + failed,
        errors: failed,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? 0,
      };
    }
    return {
      clients: options.clients,
      seconds: options.seconds,
      requests,
      errors,
      errorSamples,
      perOperation,
      memory: { before, peak, afterLoad, afterRetention },
      broker: { atEnd: brokerAtEnd, afterRetention: brokerAfter },
      runsPending,
    };
  } finally {
    await server.close();
  }
}

export function formatReport(label: string, r: SoakReport): string {
  const lines = [
    `== soak ${label}: ${r.clients} clients x ${r.seconds} s: ${r.requests} requests, ${r.errors} errors (${(r.requests / r.seconds).toFixed(0)} req/s)`,
    `   operation   count  errors   p50 ms   p95 ms   p99 ms   max ms`,
  ];
  for (const [op, s] of Object.entries(r.perOperation)) {
    lines.push(
      `   ${op.padEnd(10)} ${String(s.count).padStart(6)} ${String(s.errors).padStart(7)} ${s.p50.toFixed(1).padStart(8)} ${s.p95.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${s.max.toFixed(1).padStart(8)}`,
    );
  }
  const m = r.memory;
  lines.push(
    `   memory rss:  before ${mb(m.before.rss)}, peak ${mb(m.peak.rss)}, after load+GC ${mb(m.afterLoad.rss)}, after retention+GC ${mb(m.afterRetention.rss)}`,
  );
  lines.push(
    `   memory heap: before ${mb(m.before.heapUsed)}, peak ${mb(m.peak.heapUsed)}, after load+GC ${mb(m.afterLoad.heapUsed)}, after retention+GC ${mb(m.afterRetention.heapUsed)}`,
  );
  lines.push(
    `   broker run streams: ${r.broker.atEnd} at end of load, ${r.broker.afterRetention} after retention; runs still pending/running: ${r.runsPending}`,
  );
  if (r.errorSamples.length) lines.push(`   first errors:\n     ${r.errorSamples.join("\n     ")}`);
  return lines.join("\n");
}

function flag(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const clients = Number(flag("clients", "50"));
  const seconds = Number(flag("seconds", "60"));
  const retentionSeconds = flag("retention-seconds", "");
  const backend = flag("backend", "both");
  const retentionMs = retentionSeconds ? Number(retentionSeconds) * 1000 : undefined;
  let failed = false;
  if (backend === "memory" || backend === "both") {
    const report = await runSoak({ clients, seconds, retentionMs, log: console.log });
    console.log(formatReport("memory", report));
    failed ||= report.errors > 0;
  }
  if (backend === "postgres" || backend === "both") {
    const { startDedicatedPostgres } = await import("../test/hardening/support.ts");
    const pg = await startDedicatedPostgres();
    try {
      const report = await runSoak({
        clients,
        seconds,
        retentionMs,
        settings: { checkpointerScheme: "postgres", checkpointerUri: pg.uri, checkpointerOptions: { poolSize: 20 } },
        log: console.log,
      });
      console.log(formatReport("postgres", report));
      failed ||= report.errors > 0;
    } finally {
      await pg.destroy();
    }
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const childAt = process.argv.indexOf("--serve-child");
  if (childAt >= 0) await serveChild(JSON.parse(process.argv[childAt + 1] as string) as { settings: SkeinoSettings; retentionMs?: number });
  else await main();
}
