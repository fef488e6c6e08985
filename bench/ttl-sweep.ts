// TTL sweep benchmark: 100,000 expired checkpoints (1,000 threads x 100
// checkpoints, each with its blobs and writes, cloned from a real run's rows)
// are swept by the TTL sweeper of a running server while a client reads
// thread state without pause. Prints GET /threads/{id}/state p50/p99 idle and
// during the sweep, and the sweep's duration and batches. Embedded
// PostgreSQL with fsync on, started and removed here. Not a test.
//   node --import tsx bench/ttl-sweep.ts [--threads 1000] [--per-thread 100] [--strategy delete|keep_latest]
import { performance } from "node:perf_hooks";
import { cpus, loadavg } from "node:os";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { createApp } from "../src/server/index.ts";
import { two } from "./project/graphs.ts";
import { startTestCluster, withDatabase } from "../test/helpers/postgres.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};
const THREADS = Number(arg("threads", "1000"));
const PER_THREAD = Number(arg("per-thread", "100"));
const STRATEGY = arg("strategy", "delete") as "delete" | "keep_latest";
const READERS = 4;
const LIVE_THREADS = 20;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main(): Promise<void> {
  const cluster = await startTestCluster({ durable: true });
  const admin = new pg.Client(cluster.adminUri);
  await admin.connect();
  await admin.query("CREATE DATABASE bench");
  await admin.end();
  const uri = withDatabase(cluster.adminUri, "bench");
  const app = createApp({
    graphs: { two },
    // The sweeper's timer is pushed out of the way: the bench starts the sweep itself.
    settings: { checkpointerScheme: "postgres", checkpointerUri: uri, logLevel: "error", ttlSweepIntervalMs: 3_600_000 },
  });
  const sql = new pg.Client(uri);
  try {
    const url = await app.listen({ port: 0 });
    const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
    await sql.connect();

    // Live threads: what readers read during the sweep; no ttl.
    const live: string[] = [];
    for (let i = 0; i < LIVE_THREADS; i++) {
      const t = await client.threads.create();
      await client.runs.wait(t.thread_id, "two", { input: { messages: [`m${i}`] } });
      live.push(t.thread_id);
    }
    const template = live[0];

    // Expired threads: cloned from a real thread's checkpoint rows.
    const seedStart = performance.now();
    await sql.query(
      `INSERT INTO app_threads (thread_id, metadata, status, updated_at)
       SELECT 'expired-' || g, '{"bench": "ttl"}', 'idle', now() - interval '2 hours' FROM generate_series(1, $1) g`,
      [THREADS],
    );
    await sql.query(`INSERT INTO app_thread_ttl (thread_id, strategy, ttl_minutes) SELECT 'expired-' || g, $2, 1 FROM generate_series(1, $1) g`, [
      THREADS,
      STRATEGY,
    ]);
    await sql.query(
      `INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
       SELECT 'expired-' || t, '', lpad(c::text, 6, '0'), CASE WHEN c > 1 THEN lpad((c - 1)::text, 6, '0') END, tpl.type, tpl.checkpoint, tpl.metadata
         FROM generate_series(1, $1) t, generate_series(1, $2) c,
              (SELECT type, checkpoint, metadata FROM checkpoints WHERE thread_id = $3 ORDER BY checkpoint_id DESC LIMIT 1) tpl`,
      [THREADS, PER_THREAD, template],
    );
    await sql.query(
      `INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
       SELECT 'expired-' || t, '', b.channel, CASE WHEN c = $2 THEN b.version ELSE b.version || '.' || c END, b.type, b.blob
         FROM generate_series(1, $1) t, generate_series(1, $2) c, (SELECT DISTINCT ON (channel) channel, version, type, blob FROM checkpoint_blobs WHERE thread_id = $3) b`,
      [THREADS, PER_THREAD, template],
    );
    await sql.query(
      `INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       SELECT 'expired-' || t, '', lpad(c::text, 6, '0'), 'task', 0, 'messages', w.type, w.blob
         FROM generate_series(1, $1) t, generate_series(1, $2) c, (SELECT type, blob FROM checkpoint_writes WHERE thread_id = $3 LIMIT 1) w`,
      [THREADS, PER_THREAD, template],
    );
    await sql.query("VACUUM ANALYZE checkpoints, checkpoint_blobs, checkpoint_writes, app_threads, app_thread_ttl");
    const counts = async () =>
      (
        await sql.query<{ c: string; b: string; w: string }>(
          "SELECT (SELECT count(*) FROM checkpoints) AS c, (SELECT count(*) FROM checkpoint_blobs) AS b, (SELECT count(*) FROM checkpoint_writes) AS w",
        )
      ).rows[0];
    const before = await counts();
    console.log(
      `seeded ${THREADS} expired threads x ${PER_THREAD} checkpoints in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: checkpoints ${before?.c}, blobs ${before?.b}, writes ${before?.w}`,
    );

    // Readers: GET state of live threads, READERS at a time, until told to stop.
    const readUntil = async (done: () => boolean, max = Infinity): Promise<number[]> => {
      const latencies: number[] = [];
      let i = 0;
      await Promise.all(
        Array.from({ length: READERS }, async () => {
          while (!done() && latencies.length < max) {
            const id = live[i++ % live.length];
            const t0 = performance.now();
            const res = await fetch(`${url}/threads/${id}/state`);
            await res.arrayBuffer();
            latencies.push(performance.now() - t0);
          }
        }),
      );
      return latencies.sort((a, b) => a - b);
    };

    await readUntil(() => false, 300); // warm-up
    const idle = await readUntil(() => false, 3000);

    let sweeping = true;
    const t0 = performance.now();
    const sweep = app.context.sweeper.sweep().finally(() => {
      sweeping = false;
    });
    const during = await readUntil(() => !sweeping);
    const report = await sweep;
    const sweepMs = performance.now() - t0;
    const after = await counts();

    const idleP99 = pct(idle, 99);
    const duringP99 = pct(during, 99);
    console.log(
      `machine: ${cpus().length} cpus, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `sweep (${STRATEGY}): ${(sweepMs / 1000).toFixed(1)} s, ${report.batches} batches, threads deleted ${report.threadsDeleted}, pruned ${report.threadsPruned}, checkpoints left ${after?.c} (blobs ${after?.b}, writes ${after?.w})`,
    );
    console.log(`GET state idle:   n=${idle.length} p50 ${fmt(pct(idle, 50))} p99 ${fmt(idleP99)}`);
    console.log(`GET state sweep:  n=${during.length} p50 ${fmt(pct(during, 50))} p99 ${fmt(duringP99)}`);
    console.log(`p99 during / idle: ${(duringP99 / idleP99).toFixed(2)}x (target <= 2x)`);
  } finally {
    await sql.end().catch(() => undefined);
    const closing = performance.now();
    await app.close();
    console.log(`closed in ${(performance.now() - closing).toFixed(0)} ms`);
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
