// Three `skeino serve` processes on one PostgreSQL database share a test
// clock (a file of epoch ms): 20 crons, 15 due times each. Every due time
// fires exactly once across the processes (counted in app_runs), also when
// one process is SIGKILLed midway and when a claimer died before starting
// its run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { REPO_ROOT, killAllCliChildren, startCli, type CliServer } from "../helpers/cli.ts";
import { pollUntil, sleep } from "../helpers/wait.ts";

const manifest = join(REPO_ROOT, "test/fixtures/scale-out/langgraph.json");
const T0 = Date.parse("2030-01-01T00:00:30Z");
const MINUTE = 60_000;
const CRONS = 20;
const DUE_TIMES = 15;

describe("crons on three processes sharing one database", () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let dir: string;
  let clockFile: string;
  const procs: CliServer[] = [];

  async function setClock(ms: number): Promise<void> {
    // Atomic replace: a process never reads a half-written time.
    await writeFile(`${clockFile}.tmp`, String(ms));
    await rename(`${clockFile}.tmp`, clockFile);
  }

  const start = () =>
    startCli(["--config", manifest, "--port", "0", "--postgres-uri", db.uri, "--workers", "4", "--log-level", "error"], {
      env: {
        SCALE_OUT_EXEC_URI: db.uri,
        SKEINO_TEST_CLOCK_FILE: clockFile,
        SKEINO_CRON_INTERVAL_MS: "50",
        SKEINO_CRON_CLAIM_TIMEOUT_MS: "3000",
        SKEINO_REAPER_INTERVAL_MS: "500",
        SKEINO_POLL_INTERVAL_MS: "100",
      },
      startTimeoutMs: 60_000,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "skeino-cron-clock-"));
    clockFile = join(dir, "now");
    await setClock(T0);
    db = await createTestDatabase();
    sql = new pg.Client(db.uri);
    await sql.connect();
    await sql.query(`CREATE TABLE node_exec (id serial PRIMARY KEY, run_id text, thread_id text, node text, pid int,
                     started_at timestamptz, ended_at timestamptz)`);
    procs.push(await start());
    procs.push(...(await Promise.all([start(), start()])));
  }, 180_000);

  afterAll(async () => {
    await killAllCliChildren();
    await sql?.end();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("fires every due time exactly once, none twice, none lost, with a SIGKILL midway", async () => {
    const { client } = procs[0];
    const crons: string[] = [];
    for (let i = 0; i < CRONS; i++) {
      const thread = await client.threads.create();
      const cron = await procs[i % 3].client.crons.createForThread(thread.thread_id, "counted", {
        schedule: "* * * * *",
        input: { sleep: 1 },
        multitaskStrategy: "enqueue",
      });
      crons.push(cron.cron_id);
    }
    let victimPid = 0;
    for (let k = 1; k <= DUE_TIMES; k++) {
      const due = new Date(T0 - 30_000 + k * MINUTE).toISOString();
      if (k === 8) {
        // What a process killed between its claim and its run leaves behind:
        // the due time claimed (and the cron moved on), but no run. The
        // survivors must fire it once its claim times out.
        await sql.query(
          `WITH moved AS (UPDATE app_crons SET next_run_date = $2::timestamptz + interval '1 minute' WHERE cron_id = $1)
           INSERT INTO app_cron_firings (cron_id, due_at, claimed_by, claimed_at) VALUES ($1, $2, 'dead-process', now() - interval '1 hour')`,
          [crons[0], due],
        );
      }
      await setClock(T0 + (k - 1) * MINUTE + 30_000);
      if (k === 8) {
        // Kill a process in the middle of a due time's claims and firings:
        // once the first of them is claimed.
        await pollUntil(
          async () =>
            ((
              await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM app_cron_firings WHERE due_at = $1 AND claimed_by <> 'dead-process'", [
                due,
              ])
            ).rows[0]?.n ?? 0) > 0,
          `a claim of due time ${due}`,
          { intervalMs: 5 },
        );
        victimPid = procs[2].child.pid ?? 0;
        procs[2].child.kill("SIGKILL");
      }
      const until = Date.now() + 60_000;
      for (;;) {
        const { rows } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM app_runs WHERE metadata->>'cron_due_at' = $1", [due]);
        if (rows[0]?.n === CRONS) break;
        expect(rows[0]?.n ?? 0, `due time ${due} fired more than once`).toBeLessThanOrEqual(CRONS);
        if (Date.now() > until) throw new Error(`due time ${due}: ${rows[0]?.n} of ${CRONS} crons fired`);
        await sleep(50);
      }
    }
    expect(victimPid).toBeGreaterThan(0);
    // Once every firing has started its run none can fire again: then count everything once more.
    await pollUntil(
      async () => (await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM app_cron_firings WHERE status <> 'started'")).rows[0]?.n === 0,
      "every firing to have started its run",
    );
    const perFiring = await sql.query<{ cron_id: string; due: string; n: number }>(
      `SELECT metadata->>'cron_id' AS cron_id, metadata->>'cron_due_at' AS due, count(*)::int AS n
         FROM app_runs WHERE metadata ? 'cron_id' GROUP BY 1, 2`,
    );
    expect(perFiring.rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(perFiring.rows).toHaveLength(CRONS * DUE_TIMES);
    expect(new Set(perFiring.rows.map((r) => r.cron_id))).toEqual(new Set(crons));
    const firings = await sql.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM app_cron_firings GROUP BY status");
    expect(firings.rows).toEqual([{ status: "started", n: CRONS * DUE_TIMES }]);
    const claimers = await sql.query<{ claimed_by: string }>("SELECT DISTINCT claimed_by FROM app_cron_firings WHERE claimed_by <> 'dead-process'");
    // The work was shared, not done by one process.
    expect(claimers.rows.length).toBeGreaterThanOrEqual(2);
  }, 600_000);
});
