// Postgres benchmark: runs/s of create-thread + runs.wait through `skeino
// serve --postgres-uri` (the lean node:http client and the SDK client,
// sequential and 8 concurrent) versus
// the same two-node graph invoked in-process on a bare saver on the same
// database: SkeinoPostgresSaver (ours, with the #1812 fix) and the stock
// PostgresSaver. skeino/bare is the overhead we add (HTTP, run records,
// queue, thread status). Starts its own embedded PostgreSQL on a free port
// with durable settings (fsync and synchronous_commit on, as a user runs it)
// and removes it afterwards. Prints numbers; not a test.
// Per run it also prints what PostgreSQL did (bench/pg-counters.ts):
// statements, BEGIN/COMMIT, commits, WAL bytes and WAL fsyncs, and for
// skeino the statements by query.
//   node --import tsx bench/postgres.ts [--seconds 3] [--rounds 2] [--no-fsync]
// --no-fsync turns fsync and synchronous_commit off: what is left is CPU and
// round trips, without the disk's flush latency on every commit.
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { SkeinoPostgresSaver } from "../src/server/persistence/postgres/saver.ts";
import { twoNodeBuilder as twoNodes } from "./project/graphs.ts";
import { startTestCluster, withDatabase } from "../test/helpers/postgres.ts";
import { startServe } from "./server.ts";
import { breakdown, PgCounters, perRun, type Counters, type PerRun } from "./pg-counters.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const secondsArg = process.argv.indexOf("--seconds");
/** Measured time per scenario; twelve scenarios, two server boots and the cluster stay under 60 s. */
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 2;
const CONCURRENCY = 8;
const WARMUP = 20;
const NO_FSYNC = process.argv.includes("--no-fsync");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 2;
/** Runs the lean client makes per scenario (after its warm-up). */
const LEAN_SEQ = 300;
const LEAN_CONC = 600;
/**
 * Warm-up runs of a fresh server before the lean client measures: the bare
 * saver runs in this process, whose hot code is compiled by earlier
 * scenarios; a server process starts cold every scenario. A server keeps
 * getting faster for its first two thousand runs or so (JIT tiers, and each
 * pooled connection planning a named statement five times before it keeps a
 * generic plan): successive batches of 600 sequential runs on one fresh
 * server measured 125, 161, 179 and 186 runs/s. A server that users run is
 * past that, so the measured runs come after it.
 */
const SERVER_WARMUP = 2000;

interface Cluster {
  uri: string;
  adminUri: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const cluster = await startTestCluster({
    durable: !NO_FSYNC,
    extraFlags: ["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=all", "-c", "track_io_timing=off"],
  });
  try {
    const admin = new pg.Client(cluster.adminUri);
    await admin.connect();
    await admin.query("CREATE DATABASE bench");
    await admin.end();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return { uri: withDatabase(cluster.adminUri, "bench"), adminUri: cluster.adminUri, stop: () => cluster.stop() };
}

interface Measured {
  perSecond: number;
  count: number;
  p50: number;
  p95: number;
}

/** Runs `op` from `concurrency` loops for `seconds`; counts completed ops (warm-up not included). */
async function measure(concurrency: number, op: () => Promise<void>): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await op();
  const latencies: number[] = [];
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        await op();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { perSecond: latencies.length / elapsed, count: latencies.length, p50: at(0.5), p95: at(0.95) };
}

interface LeanResult {
  perSecond: number;
  latencies: { p50: number; p95: number; p99: number };
}

/** bench/lean-client.mjs in its own process: node:http, one keep-alive agent, no SDK. */
function lean(url: string, n: number, concurrency: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(root, "bench/lean-client.mjs"), url, "create-wait", String(n), String(concurrency), String(SERVER_WARMUP)],
      { maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error) return reject(error);
        const r = JSON.parse(stdout.trim().split("\n").at(-1) as string) as LeanResult;
        resolve({ perSecond: r.perSecond, count: n, p50: r.latencies.p50, p95: r.latencies.p95 });
      },
    );
  });
}

/** One scenario's result: throughput, and what PostgreSQL did per run (warm-up runs included in both counts). */
interface Scenario {
  m: Measured;
  per: PerRun;
  before: Counters;
  after: Counters;
  runs: number;
}

type Kind = "lean" | "sdk";

/**
 * Waits for the server's one-time graph schema extraction (started after it
 * listens; seconds of TypeScript compiler work on the 2 cores). Measured
 * meanwhile, the first runs shared the machine with it: a steady-state
 * server does not.
 */
async function schemasReady(url: string): Promise<void> {
  const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  const [assistant] = await client.assistants.search({ graphId: "two", limit: 1 });
  if (assistant) await client.assistants.getSchemas(assistant.assistant_id);
}

async function throughSkeino(cluster: Cluster, counters: PgCounters, kind: Kind, concurrency: number): Promise<Scenario> {
  const serve = await startServe(["--postgres-uri", cluster.uri]);
  await schemasReady(serve.url);
  const before = await counters.settle();
  let m: Measured;
  try {
    if (kind === "lean") {
      m = await lean(serve.url, concurrency === 1 ? LEAN_SEQ : LEAN_CONC, concurrency);
    } else {
      const client = new Client({ apiUrl: serve.url, callerOptions: { maxRetries: 0 } });
      m = await measure(concurrency, async () => {
        const thread = await client.threads.create();
        await client.runs.wait(thread.thread_id, "two", { input: { messages: ["x"] } });
      });
    }
  } finally {
    // Its connections close: every backend flushes its statistics.
    await serve.stop();
  }
  const after = await counters.settle();
  // Per-run counts include the warm-up runs (the lean client warms a fresh server longer).
  const runs = m.count + (kind === "lean" ? SERVER_WARMUP : WARMUP);
  return { m, per: perRun(before, after, runs), before, after, runs };
}

async function bare(
  cluster: Cluster,
  counters: PgCounters,
  makeSaver: (pool: pg.Pool) => BaseCheckpointSaver,
  concurrency: number,
): Promise<Scenario> {
  // Our own pool with an error listener: never fromConnString (research §0.5).
  const pool = new pg.Pool({ connectionString: cluster.uri, max: 10, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => {});
  const before = await counters.settle();
  let m: Measured;
  try {
    const graph = twoNodes().compile({ checkpointer: makeSaver(pool) });
    m = await measure(concurrency, async () => {
      await graph.invoke({ messages: ["x"] }, { configurable: { thread_id: randomUUID() } });
    });
  } finally {
    await pool.end();
  }
  const after = await counters.settle();
  const runs = m.count + WARMUP;
  return { m, per: perRun(before, after, runs), before, after, runs };
}

const fmt = (m: Measured) => `${m.perSecond.toFixed(1).padStart(6)} runs/s (p50 ${m.p50.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms)`;
const fmtPer = (p: PerRun) =>
  `${p.statements.toFixed(1).padStart(5)} stmts + ${p.txControl.toFixed(1).padStart(4)} BEGIN/COMMIT (+${p.nested.toFixed(1)} nested), ${p.commits.toFixed(1).padStart(5)} commits, ` +
  `${(p.walBytes / 1024).toFixed(1).padStart(5)} kB WAL, ${p.walFsyncs.toFixed(1).padStart(4)} WAL fsyncs`;

const CONTENDERS = {
  "skeino, lean client": (c: Cluster, k: PgCounters, n: number) => throughSkeino(c, k, "lean", n),
  "skeino, SDK client": (c: Cluster, k: PgCounters, n: number) => throughSkeino(c, k, "sdk", n),
  "bare stock PostgresSaver": (c: Cluster, k: PgCounters, n: number) => bare(c, k, (pool) => new PostgresSaver(pool), n),
  "bare SkeinoPostgresSaver": (c: Cluster, k: PgCounters, n: number) => bare(c, k, (pool) => new SkeinoPostgresSaver(pool), n),
} as const;
type Contender = keyof typeof CONTENDERS;

async function main(): Promise<void> {
  const started = performance.now();
  const cluster = await startCluster();
  const counters = await PgCounters.open(cluster.adminUri, "bench");
  try {
    const results = new Map<string, Scenario[]>();
    const names = Object.keys(CONTENDERS) as Contender[];
    // skeino first: it creates the schema. Rounds alternate the order, so
    // the drifting load of a shared machine does not favour one contender.
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        for (const concurrency of [1, CONCURRENCY]) {
          const key = `${name}, ${concurrency === 1 ? "sequential" : `${CONCURRENCY} clients`}`;
          const s = await CONTENDERS[name](cluster, counters, concurrency);
          results.set(key, [...(results.get(key) ?? []), s]);
        }
      }
    }
    const rate = (key: string) => (results.get(key) ?? []).map((s) => s.m.perSecond);
    const best = (key: string) => Math.max(...rate(key));
    const lastPer = (key: string) => (results.get(key) ?? []).at(-1)?.per as PerRun;

    console.log(
      `skeino Postgres benchmark: node ${process.version}, ${cpus().length} cores, embedded PostgreSQL (${NO_FSYNC ? "fsync off" : "fsync on"}), ` +
        `${ROUNDS} rounds; SDK and bare: ${SECONDS} s per scenario after ${WARMUP} warm-up runs; lean client: ${LEAN_SEQ} / ${LEAN_CONC} runs after ${SERVER_WARMUP} warm-up runs, once the server's schema extraction is done; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}, ${new Date().toISOString()}`,
    );
    const width = Math.max(...[...results.keys()].map((k) => k.length));
    console.log("\nthroughput (best round; range over rounds) and per run (last round, warm-up included):");
    for (const [key, runs] of results) {
      const last = runs.at(-1) as Scenario;
      const rs = rate(key);
      console.log(
        `${key.padEnd(width)}  ${fmt(runs.reduce((a, b) => (a.m.perSecond >= b.m.perSecond ? a : b)).m)} [${Math.min(...rs).toFixed(0)}..${Math.max(...rs).toFixed(0)}]  ${fmtPer(last.per)}`,
      );
    }
    console.log("\nratios (best rounds):");
    for (const client of ["lean client", "SDK client"]) {
      for (const mode of ["sequential", `${CONCURRENCY} clients`]) {
        const s = `skeino, ${client}, ${mode}`;
        const k = `bare stock PostgresSaver, ${mode}`;
        const ps = lastPer(s);
        const pk = lastPer(k);
        console.log(
          `skeino (${client}) / bare stock, ${mode}: ${(best(s) / best(k)).toFixed(2)}x runs/s, ` +
            `${(ps.statements / pk.statements).toFixed(2)}x statements, ${((ps.statements + ps.txControl) / (pk.statements + pk.txControl)).toFixed(2)}x statements incl. BEGIN/COMMIT, ` +
            `${(ps.commits / pk.commits).toFixed(2)}x commits, ${(ps.walBytes / pk.walBytes).toFixed(2)}x WAL bytes`,
        );
      }
    }
    for (const key of ["skeino, lean client, sequential", "bare stock PostgresSaver, sequential"]) {
      const s = (results.get(key) ?? []).at(-1) as Scenario;
      console.log(`\nstatements per run, ${key}:`);
      for (const [query, calls] of breakdown(s.before, s.after, s.runs)) console.log(`  ${calls.toFixed(2).padStart(6)}  ${query}`);
    }
    // HOT updates (no index touched, the new row version on the same page) per table, whole benchmark.
    const hot = await counters.hotUpdates(["app_threads", "app_runs", "checkpoints", "checkpoint_writes"]);
    console.log("\nupdates, of which HOT (pg_stat_user_tables, whole benchmark):");
    for (const h of hot)
      console.log(
        `  ${h.table.padEnd(18)} ${String(h.updates).padStart(7)} updates, ${String(h.hot).padStart(7)} HOT (${h.updates ? ((100 * h.hot) / h.updates).toFixed(0) : 0}%)`,
      );
    console.log(`\n(wall time ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    await counters.close();
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
