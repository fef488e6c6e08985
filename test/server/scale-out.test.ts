// Several `skeino serve` processes on one PostgreSQL database: runs are
// claimed once, one at a time per thread, across processes; a killed
// process's runs are recovered; clients of one process join and cancel runs
// executing on another.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { pollUntil, sleep, withCeiling } from "../helpers/wait.ts";

const root = join(import.meta.dirname, "../..");
const manifest = join(root, "test/fixtures/scale-out/langgraph.json");

interface Proc {
  child: ChildProcess;
  url: string;
  client: Client;
  alive: boolean;
  stderr: string[];
}

function startProcess(uri: string): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, "bin/skeino.mjs"), "serve", "--config", manifest, "--port", "0", "--postgres-uri", uri, "--workers", "4", "--log-level", "error"],
      {
        env: { ...process.env, SCALE_OUT_EXEC_URI: uri, SKEINO_REAPER_INTERVAL_MS: "500", SKEINO_POLL_INTERVAL_MS: "100" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const stderr: string[] = [];
    let out = "";
    child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/skeino listening on (\S+)/);
      if (m) resolve({ child, url: m[1], client: new Client({ apiUrl: m[1], callerOptions: { maxRetries: 0 } }), alive: true, stderr });
    });
    child.once("exit", (code) => reject(new Error(`skeino exited ${code}: ${stderr.join("")}`)));
    setTimeout(() => reject(new Error("skeino did not start")), 60_000).unref();
  });
}

const terminal = new Set(["success", "error", "interrupted", "timeout"]);

describe("several skeino processes on one database", () => {
  let db: TestDatabase;
  const procs: Proc[] = [];
  let sql: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new pg.Client(db.uri);
    await sql.connect();
    await sql.query(`CREATE TABLE node_exec (id serial PRIMARY KEY, run_id text, thread_id text, node text, pid int,
                     started_at timestamptz, ended_at timestamptz)`);
    // Boot one first (it migrates), then the others at once.
    procs.push(await startProcess(db.uri));
    procs.push(...(await Promise.all([startProcess(db.uri), startProcess(db.uri)])));
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill("SIGKILL");
    await sql?.end();
    await db?.drop();
  });

  it("runs 300 runs over 30 threads through 3 processes, one SIGKILLed mid-way: each once, never overlapping, all settled", async () => {
    const threads = await Promise.all(Array.from({ length: 30 }, () => procs[0].client.threads.create({ metadata: { scale: "out" } })));
    const strategies = ["enqueue", "enqueue", "enqueue", "enqueue", "enqueue", "enqueue", "reject", "reject", "interrupt", "rollback"] as const;
    const created = new Map<string, { threadId: string; strategy: string }>();
    let rejected = 0;
    let killedPid = 0;
    let next = 0;
    const submit = async (i: number) => {
      const thread = threads[i % threads.length];
      const strategy = strategies[i % strategies.length];
      for (let attempt = 0; attempt < 3; attempt++) {
        const alive = procs.filter((p) => p.alive);
        const proc = alive[(i + attempt) % alive.length];
        try {
          const run = await proc.client.runs.create(thread.thread_id, "counted", { input: { sleep: 5 + (i % 4) * 5 }, multitaskStrategy: strategy });
          created.set(run.run_id, { threadId: thread.thread_id, strategy });
          return;
        } catch (error) {
          if (String(error).includes("HTTP 422")) {
            rejected += 1;
            return;
          }
          // The killed process: try another.
        }
      }
      throw new Error(`run ${i} could not be submitted`);
    };
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 300) {
          const i = next++;
          if (i === 150 && !killedPid) {
            const victim = procs[2];
            // Kill it while it is surely running something: nine long runs on
            // threads of their own run at once on 3 x 4 workers, so the victim
            // holds at least one (9 > 2 x 4), and it cannot end in the moment
            // between seeing it and the kill. (The short runs can.)
            const longThreads = await Promise.all(Array.from({ length: 9 }, () => procs[0].client.threads.create({ metadata: { scale: "long" } })));
            const longRuns = await Promise.all(
              longThreads.map((t, k) => procs[k % 3].client.runs.create(t.thread_id, "counted", { input: { sleep: 4000 } })),
            );
            const longIds = longRuns.map((r) => r.run_id);
            let holding = 0;
            for (let w = 0; w < 3000 && holding === 0; w++) {
              const { rows } = await sql.query("SELECT count(*)::int AS n FROM node_exec WHERE pid = $1 AND ended_at IS NULL AND run_id = ANY($2)", [
                victim.child.pid,
                longIds,
              ]);
              holding = rows[0].n;
              if (holding === 0) await sleep(10);
            }
            expect(holding, "the victim never started one of the long runs").toBeGreaterThan(0);
            victim.child.kill("SIGKILL");
            victim.alive = false;
            killedPid = victim.child.pid as number;
          }
          await submit(i);
        }
      }),
    );
    expect(killedPid).toBeGreaterThan(0);

    // Every run that still exists ends in a terminal state.
    const statuses = await pollUntil(
      async () => {
        const rows = (await sql.query<{ run_id: string; status: string; thread_id: string }>("SELECT run_id, status, thread_id FROM app_runs")).rows;
        return rows.every((r) => terminal.has(r.status)) ? rows : undefined;
      },
      "every run to be settled",
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    const existing = new Set(statuses.map((r) => r.run_id));
    // A run may disappear only as the victim of a rollback run on its thread.
    const rollbackThreads = new Set([...created.values()].filter((c) => c.strategy === "rollback").map((c) => c.threadId));
    const vanished = [...created].filter(([runId]) => !existing.has(runId)).map(([runId, info]) => ({ runId, threadId: info.threadId }));
    expect(vanished.filter((v) => !rollbackThreads.has(v.threadId))).toEqual([]);
    expect(created.size + rejected).toBe(300);

    // No node ran twice for one run.
    const twice = await sql.query("SELECT run_id, node, count(*)::int AS n FROM node_exec GROUP BY run_id, node HAVING count(*) > 1");
    expect(twice.rows).toEqual([]);

    // No two runs of one thread overlapped.
    const execs = (await sql.query("SELECT run_id, thread_id, pid, started_at, ended_at FROM node_exec ORDER BY thread_id, started_at"))
      .rows as Array<{
      run_id: string;
      thread_id: string;
      pid: number;
      started_at: Date;
      ended_at: Date | null;
    }>;
    for (let k = 1; k < execs.length; k++) {
      const prev = execs[k - 1];
      const cur = execs[k];
      if (prev.thread_id !== cur.thread_id || prev.run_id === cur.run_id) continue;
      if (prev.ended_at) expect(cur.started_at.getTime(), `${prev.run_id} / ${cur.run_id}`).toBeGreaterThanOrEqual(prev.ended_at.getTime());
      else expect(prev.pid).toBe(killedPid); // only the killed process leaves a node unfinished
    }

    // The killed process's unfinished runs were recovered: settled with the policy's message.
    const orphans = (await sql.query("SELECT DISTINCT run_id FROM node_exec WHERE pid = $1 AND ended_at IS NULL", [killedPid])).rows.map(
      (r) => r.run_id as string,
    );
    expect(orphans.length).toBeGreaterThan(0);
    for (const runId of orphans) {
      const { rows } = await sql.query("SELECT status, error FROM app_runs WHERE run_id = $1", [runId]);
      if (rows.length === 0) continue; // rolled back by a later run
      expect(rows[0]).toMatchObject({ status: "error", error: { message: "server stopped while the run was in progress" } });
    }

    // One more run per thread; then every thread is idle.
    const alive = procs.filter((p) => p.alive);
    await Promise.all(
      threads.map((t, i) => alive[i % alive.length].client.runs.wait(t.thread_id, "counted", { input: { sleep: 1 }, multitaskStrategy: "enqueue" })),
    );
    const final = await Promise.all(threads.map((t) => alive[0].client.threads.get(t.thread_id)));
    expect(final.map((t) => t.status)).toEqual(threads.map(() => "idle"));
  }, 180_000);

  it("joins (SSE) and cancels from one process a run executing on another", async () => {
    const [a, b] = procs.filter((p) => p.alive);
    const thread = await a.client.threads.create();
    // 3000 ticks of 100 ms: only the cancel can end it within the test.
    const run = await a.client.runs.create(thread.thread_id, "slow", { input: { sleep: 3000 }, streamMode: ["custom"], streamResumable: true });
    await pollUntil(async () => (await b.client.runs.get(thread.thread_id, run.run_id)).status === "running", "some process to run it");
    const seen: unknown[] = [];
    const joined = (async () => {
      for await (const e of b.client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" })) {
        if (e.event === "custom") seen.push(e.data);
        if (seen.length === 3) await b.client.runs.cancel(thread.thread_id, run.run_id, false, "interrupt");
      }
    })();
    await withCeiling(joined, "the join to end");
    expect(seen.slice(0, 3)).toEqual([{ tick: 0 }, { tick: 1 }, { tick: 2 }]);
    const status = await pollUntil(async () => {
      const current = (await a.client.runs.get(thread.thread_id, run.run_id)).status;
      return terminal.has(current) ? current : undefined;
    }, "the cancelled run to end");
    expect(status).toBe("interrupted");
    expect((await a.client.threads.get(thread.thread_id)).status).not.toBe("busy");
  }, 60_000);
});
