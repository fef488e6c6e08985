// Postgres benchmark: runs/s of create-thread + runs.wait through `skeino
// serve --postgres-uri` (the SDK client, sequential and 8 concurrent) versus
// the same two-node graph invoked in-process on a bare saver on the same
// database: SkeinoPostgresSaver (ours, with the #1812 fix) and the stock
// PostgresSaver. skeino/bare is the overhead we add (HTTP, run records,
// queue, thread status). Starts its own embedded PostgreSQL on a free port
// with durable settings (fsync and synchronous_commit on, as a user runs it)
// and removes it afterwards. Prints numbers; not a test.
//   node --import tsx bench/postgres.ts [--seconds 3] [--no-fsync]
// --no-fsync turns fsync and synchronous_commit off: what is left is CPU and
// round trips, without the disk's flush latency on every commit.
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
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

const root = fileURLToPath(new URL("..", import.meta.url));
const secondsArg = process.argv.indexOf("--seconds");
/** Measured time per scenario; twelve scenarios, two server boots and the cluster stay under 60 s. */
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 2;
const CONCURRENCY = 8;
const WARMUP = 20;
const NO_FSYNC = process.argv.includes("--no-fsync");

interface Cluster {
  uri: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const cluster = await startTestCluster({ durable: !NO_FSYNC });
  try {
    const admin = new pg.Client(cluster.adminUri);
    await admin.connect();
    await admin.query("CREATE DATABASE bench");
    await admin.end();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return { uri: withDatabase(cluster.adminUri, "bench"), stop: () => cluster.stop() };
}

function startServe(uri: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "bin/skeino.mjs"),
        "serve",
        "--config",
        join(root, "bench/project/langgraph.json"),
        "--port",
        "0",
        "--log-level",
        "error",
        "--postgres-uri",
        uri,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("skeino serve did not start in 30 s"));
    }, 30_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /skeino listening on (\S+)/.exec(out);
      if (match && /^persistence: postgres/m.test(out)) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, child });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`skeino serve exited with ${code}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

interface Measured {
  perSecond: number;
  count: number;
  p50: number;
  p95: number;
}

/** Runs `op` from `concurrency` loops for `seconds`; counts completed ops. */
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

const fmt = (m: Measured) => `${m.perSecond.toFixed(1).padStart(7)} runs/s  (n=${m.count}, p50 ${m.p50.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms)`;

interface Pair {
  seq: Measured;
  conc: Measured;
}

async function bare(uri: string, makeSaver: (pool: pg.Pool) => BaseCheckpointSaver): Promise<Pair> {
  // Our own pool with an error listener: never fromConnString (research §0.5).
  const pool = new pg.Pool({ connectionString: uri, max: 10, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => {});
  try {
    const graph = twoNodes().compile({ checkpointer: makeSaver(pool) });
    const op = async () => {
      await graph.invoke({ messages: ["x"] }, { configurable: { thread_id: randomUUID() } });
    };
    return { seq: await measure(1, op), conc: await measure(CONCURRENCY, op) };
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const cluster = await startCluster();
  let server: ChildProcess | undefined;
  try {
    // skeino first (it creates the schema), stopped before the baselines so
    // they do not share the two cores with an idle server's timers.
    // Where a sequential round goes: POST /threads vs POST /threads/{id}/runs/wait.
    const split = { create: [] as number[], wait: [] as number[] };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const throughSkeino = async (): Promise<Pair> => {
      const serve = await startServe(cluster.uri);
      server = serve.child;
      const client = new Client({ apiUrl: serve.url, callerOptions: { maxRetries: 0 } });
      let splitting = false;
      const viaSkeino = async () => {
        const t0 = performance.now();
        const thread = await client.threads.create();
        const t1 = performance.now();
        await client.runs.wait(thread.thread_id, "two", { input: { messages: ["x"] } });
        if (splitting) {
          split.create.push(t1 - t0);
          split.wait.push(performance.now() - t1);
        }
      };
      splitting = true;
      const seq = await measure(1, viaSkeino);
      splitting = false;
      const conc = await measure(CONCURRENCY, viaSkeino);
      // Stopped before the baselines, so they never share the cores with it.
      await stopChild(serve.child);
      server = undefined;
      return { seq, conc };
    };
    const makeOurs = (pool: pg.Pool) => new SkeinoPostgresSaver(pool);
    const makeStock = (pool: pg.Pool) => new PostgresSaver(pool);

    // Each contender twice, in mirrored order (S O K K O S), best of two:
    // the load of a shared machine drifts, and whatever ran first or last
    // would otherwise pay for it. skeino first: it creates the schema.
    const s1 = await throughSkeino();
    const o1 = await bare(cluster.uri, makeOurs);
    const k1 = await bare(cluster.uri, makeStock);
    const k2 = await bare(cluster.uri, makeStock);
    const o2 = await bare(cluster.uri, makeOurs);
    const s2 = await throughSkeino();
    const best = (a: Measured, b: Measured) => (a.perSecond >= b.perSecond ? a : b);
    const pick = (x: Pair, y: Pair): Pair => ({ seq: best(x.seq, y.seq), conc: best(x.conc, y.conc) });
    const { seq: skeinoSeq, conc: skeinoConc } = pick(s1, s2);
    const ours = pick(o1, o2);
    const stock = pick(k1, k2);

    const rows: Array<[string, string]> = [
      ["skeino serve, create-thread + runs.wait, sequential", fmt(skeinoSeq)],
      ["  of which POST /threads, POST runs/wait (p50)", `${median(split.create).toFixed(1)} ms, ${median(split.wait).toFixed(1)} ms`],
      [`skeino serve, create-thread + runs.wait, ${CONCURRENCY} concurrent`, fmt(skeinoConc)],
      ["in-process invoke, SkeinoPostgresSaver, sequential", fmt(ours.seq)],
      [`in-process invoke, SkeinoPostgresSaver, ${CONCURRENCY} concurrent`, fmt(ours.conc)],
      ["in-process invoke, stock PostgresSaver, sequential", fmt(stock.seq)],
      [`in-process invoke, stock PostgresSaver, ${CONCURRENCY} concurrent`, fmt(stock.conc)],
      ["skeino / bare SkeinoPostgresSaver, sequential", `${(skeinoSeq.perSecond / ours.seq.perSecond).toFixed(2)}x`],
      [`skeino / bare SkeinoPostgresSaver, ${CONCURRENCY} concurrent`, `${(skeinoConc.perSecond / ours.conc.perSecond).toFixed(2)}x`],
      ["skeino / bare stock PostgresSaver, sequential", `${(skeinoSeq.perSecond / stock.seq.perSecond).toFixed(2)}x`],
      [`skeino / bare stock PostgresSaver, ${CONCURRENCY} concurrent`, `${(skeinoConc.perSecond / stock.conc.perSecond).toFixed(2)}x`],
      ["SkeinoPostgresSaver / stock PostgresSaver, sequential", `${(ours.seq.perSecond / stock.seq.perSecond).toFixed(2)}x`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(
      `skeino Postgres benchmark: node ${process.version}, ${cpus().length} cores, embedded PostgreSQL (${NO_FSYNC ? "fsync off" : "fsync on"}), ` +
        `best of 2 x ${SECONDS} s per scenario after ${WARMUP} warm-up runs, load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}, ` +
        new Date().toISOString(),
    );
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    console.log(`(wall time ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    if (server) await stopChild(server);
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
