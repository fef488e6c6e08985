// Reads on a populated PostgreSQL database: thread state, history and search
// with 10,000 threads (issue #15). One real run through `skeino serve` makes a
// template thread; SQL clones it (its app_threads row, checkpoints, blobs and
// writes) into 10,000 threads with varied metadata, status and times. Then,
// for each endpoint, the lean client measures p50/p95/p99 over HTTP, and the
// statements the endpoint sent (pg_stat_statements, reset before one call)
// are printed with their generic plan (EXPLAIN (GENERIC_PLAN)), so a
// sequential scan of a big table shows. fsync is off: this is about plans and
// CPU, not commits. Prints numbers; not a test.
//   node --import tsx bench/postgres-queries.ts [--threads 10000] [--n 300]
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startTestCluster, withDatabase } from "../test/helpers/postgres.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const THREADS = arg("--threads", 10_000);
const N = arg("--n", 300);
const TEMPLATE = randomUUID();
/** Thread ids must be UUIDs: clone i is md5('bench-' || i) read as a UUID, in SQL and here. */
const cloneId = (i: number) => createHash("md5").update(`bench-${i}`).digest("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
const PROBE = cloneId(Math.floor(THREADS / 2));

function startServe(uri: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, "bin/skeino.mjs"), "serve", "--config", join(root, "bench/project/langgraph.json"), "--port", "0", "--log-level", "error", "--postgres-uri", uri],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /skeino listening on (\S+)/.exec(out);
      if (match && /^persistence: postgres/m.test(out)) resolve({ url: match[1] as string, child });
    });
    child.once("exit", (code) => reject(new Error(`skeino serve exited with ${code}`)));
  });
}

interface Latency {
  perSecond: number;
  latencies: { p50: number; p95: number; p99: number };
}

function lean(url: string, method: string, path: string, body?: unknown): Promise<Latency> {
  const args = [join(root, "bench/lean-client.mjs"), url, "latency", String(N), "30", method, path, ...(body === undefined ? [] : [JSON.stringify(body)])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) as string) as Latency);
    });
  });
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** INSERT ... SELECT cloning the template thread's rows of `table` into THREADS threads. */
async function cloneRows(db: pg.Client, table: string): Promise<void> {
  const { rows } = await db.query<{ column_name: string; is_generated: string; is_identity: string }>(
    "SELECT column_name, is_generated, is_identity FROM information_schema.columns WHERE table_name = $1 AND table_schema = 'public' ORDER BY ordinal_position",
    [table],
  );
  const columns = rows.filter((r) => r.is_generated !== "ALWAYS" && r.is_identity !== "YES").map((r) => r.column_name);
  const varied: Record<string, string> = {
    thread_id: "md5('bench-' || i)::uuid::text",
    metadata:
      table === "app_threads"
        ? "jsonb_build_object('graph_id', 'two', 'assistant_id', t.metadata->>'assistant_id', 'user', 'u' || (i % 500), 'i', i)"
        : "t.metadata",
    status: "CASE WHEN i % 10 = 0 THEN 'error' ELSE 'idle' END",
    created_at: "now() - i * interval '1 second'",
    updated_at: "now() - i * interval '1 second'",
  };
  const select = columns.map((c) => (c in varied && (c === "thread_id" || table === "app_threads") ? varied[c] : `t."${c}"`));
  await db.query(
    `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(", ")})
     SELECT ${select.join(", ")} FROM ${table} t, generate_series(1, ${THREADS}) i WHERE t.thread_id = $1`,
    [TEMPLATE],
  );
}

/** The statements one call sent (top level, not BEGIN/COMMIT), each with its generic plan. */
async function plansOf(stats: pg.Client, db: pg.Client, url: string, method: string, path: string, body?: unknown): Promise<string[]> {
  await stats.query("SELECT pg_stat_statements_reset()");
  await call(url, method, path, body);
  const { rows } = await stats.query<{ query: string }>(
    `SELECT s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 AND s.toplevel AND s.query ~* '^\\s*(select|with)' AND s.query ~* '(app_threads|checkpoint)'
        AND s.query !~* 'pg_stat_statements'`,
    ["bench"],
  );
  const out: string[] = [];
  for (const { query } of rows) {
    let lines: string[];
    try {
      const plan = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN (GENERIC_PLAN) ${query}`);
      lines = plan.rows.map((r) => r["QUERY PLAN"]);
    } catch (error) {
      out.push(`  ${query.replace(/\s+/g, " ").slice(0, 160)}\n    (no generic plan: ${(error as Error).message})`);
      continue;
    }
    const seqScans = lines.filter((l) => /Seq Scan on (app_threads|checkpoints|checkpoint_blobs|checkpoint_writes)\b/.test(l));
    out.push(
      `  ${query.replace(/\s+/g, " ").slice(0, 160)}\n` +
        `    ${seqScans.length ? "SEQUENTIAL SCAN of a big table" : "index only (no sequential scan of a big table)"}\n` +
        lines.map((l) => `      ${l}`).join("\n"),
    );
  }
  return out;
}

async function main(): Promise<void> {
  const cluster = await startTestCluster({ extraFlags: ["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=top"] });
  let child: ChildProcess | undefined;
  const admin = new pg.Client(cluster.adminUri);
  try {
    await admin.connect();
    await admin.query("CREATE DATABASE bench");
    await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const uri = withDatabase(cluster.adminUri, "bench");
    const serve = await startServe(uri);
    child = serve.child;
    const url = serve.url;
    await call(url, "POST", "/threads", { thread_id: TEMPLATE, metadata: { user: "template" } });
    await call(url, "POST", `/threads/${TEMPLATE}/runs/wait`, { assistant_id: "two", input: { messages: ["x"] } });

    const db = new pg.Client(uri);
    await db.connect();
    const t0 = performance.now();
    for (const table of ["app_threads", "checkpoints", "checkpoint_blobs", "checkpoint_writes"]) await cloneRows(db, table);
    await db.query("ANALYZE");
    const counts = await db.query<{ threads: string; checkpoints: string; blobs: string; writes: string }>(
      `SELECT (SELECT count(*) FROM app_threads) AS threads, (SELECT count(*) FROM checkpoints) AS checkpoints,
              (SELECT count(*) FROM checkpoint_blobs) AS blobs, (SELECT count(*) FROM checkpoint_writes) AS writes`,
    );
    const c = counts.rows[0];
    console.log(
      `skeino Postgres reads: ${c?.threads} threads, ${c?.checkpoints} checkpoints, ${c?.blobs} blobs, ${c?.writes} writes ` +
        `(populated in ${((performance.now() - t0) / 1000).toFixed(1)} s); ${N} sequential requests each after 30 warm-up, lean client; ${new Date().toISOString()}\n`,
    );

    const cases: Array<[string, string, string, unknown?]> = [
      ["state", "GET", `/threads/${PROBE}/state`],
      ["history (limit 10)", "POST", `/threads/${PROBE}/history`, { limit: 10 }],
      ["search by metadata (limit 10)", "POST", "/threads/search", { metadata: { user: "u42" }, limit: 10 }],
      ["search by status (limit 10)", "POST", "/threads/search", { status: "error", limit: 10 }],
      ["search, newest updated first (limit 10)", "POST", "/threads/search", { limit: 10, sort_by: "updated_at", sort_order: "desc" }],
      ["search by ids (10)", "POST", "/threads/search", { ids: Array.from({ length: 10 }, (_, i) => cloneId(i * 7 + 1)), limit: 10 }],
    ];
    const width = Math.max(...cases.map(([name]) => name.length));
    const plans: string[] = [];
    for (const [name, method, path, body] of cases) {
      const m = await lean(url, method, path, body);
      console.log(
        `${name.padEnd(width)}  p50 ${m.latencies.p50.toFixed(2)} ms  p95 ${m.latencies.p95.toFixed(2)} ms  p99 ${m.latencies.p99.toFixed(2)} ms  (${m.perSecond.toFixed(0)}/s)`,
      );
      plans.push(`${name}: ${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`, ...(await plansOf(admin, db, url, method, path, body)));
    }
    console.log(`\nstatements each sent, with their generic plans:\n${plans.join("\n")}`);
    await db.end();
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await admin.end().catch(() => {});
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
