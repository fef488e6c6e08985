// Runs on PostgreSQL (app_runs): created with their thread's update in one
// statement (claimed in it when a worker here is idle), claimed with one FOR
// UPDATE SKIP LOCKED statement so several processes can share the database
// (research §4.5), finished with the thread's new state, the run's last
// events and the run_ended notification in one commit (run-sql.ts).
import type pg from "pg";
import type { MetadataStore, Run, RunCreateOptions, RunListOptions, RunOutcome, ThreadUpdate } from "../types.ts";
import { threadBusy, threadNotFound } from "../../errors.ts";
import { RUN_COLUMNS, RUN_GET_SQL, RUNS_ACTIVE_SQL, threadUpdateSql, toRun, type RunRow } from "./metadata-sql.ts";
import { CLAIM_SQL, finishSql, type BusIdentity } from "./run-sql.ts";
import { named, Params, pgCode } from "./sql.ts";
import { WORKER_LOCK_NS, type WorkerLiveness } from "./worker-liveness.ts";

export type { BusIdentity } from "./run-sql.ts";

export class PostgresRunStore {
  /** runId -> whether its claim / finish saw another due pending run (read once). */
  private readonly pendingSeen = new Map<string, boolean>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly liveness: WorkerLiveness,
    private readonly threadExists: (threadId: string) => Promise<boolean>,
    /** The bus's channel and sender id, so finish() notifies run_ended in its own commit. */
    private readonly bus?: BusIdentity,
  ) {}

  /** The insert behind runs.create (with claimBy: claimed in the same statement when nothing else could be claimed). */
  private async insert(run: Run, thread: ThreadUpdate | undefined, options: RunCreateOptions | undefined): Promise<Run> {
    const p = new Params();
    // With a thread update: one statement, so one commit (one fsync) for both.
    // ifIdle: the run is inserted only if the thread row's update happened,
    // and that update requires a thread that is not busy. Concurrent
    // creators (in any process) serialize on the thread row, and the one
    // that waits re-reads the row's committed status (READ COMMITTED
    // re-checks an UPDATE's WHERE on the newest row version), so exactly
    // one of them sees it idle.
    // A thread left interrupted or in error may still have runs queued:
    // those count too (visible to every creator's snapshot; the status
    // above is what serializes creators racing on the same thread).
    const guard = options?.ifIdle
      ? ` AND status <> 'busy' AND NOT EXISTS (SELECT 1 FROM app_runs a WHERE a.thread_id = ${p.add(run.thread_id)} AND a.status IN ('pending', 'running'))`
      : "";
    const update = thread ?? (options?.ifIdle ? {} : undefined);
    const ctes = update ? [`thread_update AS (${threadUpdateSql(run.thread_id, update, p)}${guard} RETURNING 1)`] : [];
    const columns = ["run_id", "thread_id", "assistant_id", "created_at", "updated_at", "status", "metadata", "multitask_strategy", "kwargs"];
    const values = [
      p.add(run.run_id),
      p.add(run.thread_id),
      p.add(run.assistant_id),
      p.add(run.created_at),
      p.add(run.updated_at),
      p.add(run.status),
      p.json(run.metadata ?? {}),
      p.add(run.multitask_strategy),
      p.json(run.kwargs),
    ];
    const from = options?.ifIdle ? ["thread_update"] : [];
    if (options?.claimBy) {
      // What a claim would check (CLAIM_SQL), for this run alone: due, its
      // thread has nothing in flight, and no older due run waits for a worker.
      ctes.push(`claim AS (SELECT ${values[3]}::timestamptz <= now()
        AND NOT EXISTS (SELECT 1 FROM app_runs a WHERE a.thread_id = ${values[1]} AND a.status IN ('pending', 'running'))
        AND NOT EXISTS (SELECT 1 FROM app_runs q WHERE q.status = 'pending' AND q.created_at <= now()) AS ok)`);
      from.push("claim");
      values[5] = `CASE WHEN claim.ok THEN 'running' ELSE ${values[5]} END`;
      columns.push("claimed_by", "attempt", "started_at");
      values.push(
        `CASE WHEN claim.ok THEN ${p.add(options.claimBy)} END`,
        "CASE WHEN claim.ok THEN 1 ELSE 0 END",
        "CASE WHEN claim.ok THEN clock_timestamp() END",
      );
    }
    const source = from.length ? `SELECT ${values.join(", ")} FROM ${from.join(", ")}` : `VALUES (${values.join(", ")})`;
    try {
      const { rows } = await this.pool.query<RunRow>(
        named(
          `${ctes.length ? `WITH ${ctes.join(", ")} ` : ""}INSERT INTO app_runs (${columns.join(", ")})
         ${source}
         RETURNING ${RUN_COLUMNS}`,
          p.values,
        ),
      );
      if (rows.length === 0) {
        // Nothing updated: the thread is busy, or gone.
        if (!(await this.threadExists(run.thread_id))) throw threadNotFound(run.thread_id);
        throw threadBusy();
      }
      return toRun(rows[0] as RunRow);
    } catch (error) {
      // 23503: the thread does not exist (app_runs.thread_id references app_threads).
      if (pgCode(error) === "23503") throw threadNotFound(run.thread_id);
      throw error;
    }
  }

  private rememberPending(runId: string, seen: boolean): void {
    // Bounded: a finish nobody asks about (a cancelled pending run) must not pile up.
    if (this.pendingSeen.size >= 1000) this.pendingSeen.delete(this.pendingSeen.keys().next().value as string);
    this.pendingSeen.set(runId, seen);
  }

  readonly runs: MetadataStore["runs"] = {
    create: async (run: Run, thread?: ThreadUpdate, options?: RunCreateOptions) => {
      if (options?.claimBy) {
        await this.liveness.hold(options.claimBy);
        try {
          return await this.insert(run, thread, options);
        } catch (error) {
          // A concurrent creator's run of this thread is running already (our
          // snapshot missed it): queue this one instead.
          if ((error as { constraint?: string }).constraint !== "app_runs_one_running_per_thread") throw error;
          return this.insert(run, thread, { ...options, claimBy: undefined });
        }
      }
      return this.insert(run, thread, options);
    },

    get: async (runId, threadId) => {
      const { rows } = await this.pool.query<RunRow>({ name: "skeino_run_get", text: RUN_GET_SQL, values: [runId, threadId ?? null] });
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    list: async (threadId, options: RunListOptions) => {
      const { rows } = await this.pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM app_runs WHERE thread_id = $1 AND ($2::text IS NULL OR status = $2)
          ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4`,
        [threadId, options.status ?? null, options.limit, options.offset],
      );
      return rows.map(toRun);
    },

    active: async (threadId) => {
      const { rows } = await this.pool.query<RunRow>({ name: "skeino_runs_active", text: RUNS_ACTIVE_SQL, values: [threadId] });
      return rows.map(toRun);
    },

    delete: async (runId) => {
      const { rowCount } = await this.pool.query("DELETE FROM app_runs WHERE run_id = $1", [runId]);
      return (rowCount ?? 0) > 0;
    },

    claimNext: async (workerId) => {
      await this.liveness.hold(workerId);
      // Two claimers racing for one thread: the loser's snapshot may miss the
      // winner's fresh 'running' row; the partial unique index then rejects
      // it (23505) and it simply tries again.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const { rows } = await this.pool.query<RunRow & { more: boolean }>({ name: "skeino_run_claim", text: CLAIM_SQL, values: [workerId] });
          const row = rows[0];
          if (!row) return undefined;
          this.rememberPending(row.run_id, row.more);
          return toRun(row);
        } catch (error) {
          if (pgCode(error) !== "23505") throw error;
        }
      }
      return undefined;
    },

    // One statement, one commit: the run's end, its thread's new state, the
    // notification to the other processes (sent by PostgreSQL when it
    // commits), and whether a claim now could find anything.
    finish: async (runId, status: RunOutcome, thread, last) => {
      const p = new Params();
      const sql = finishSql(runId, status, thread, last, this.bus, p);
      const { rows } = await this.pool.query<{ more: boolean }>(named(sql, p.values));
      const row = rows[0];
      if (!row) return false;
      this.rememberPending(runId, row.more);
      return true;
    },

    pendingAfter: (runId: string) => {
      const seen = this.pendingSeen.get(runId);
      this.pendingSeen.delete(runId);
      return seen;
    },

    finishNotifies: () => this.bus !== undefined,

    finishWritesThreadEvents: () => this.bus !== undefined,

    nextDueAt: async () => {
      const { rows } = await this.pool.query<{ at: Date | null }>(
        "SELECT min(created_at) AS at FROM app_runs WHERE status = 'pending' AND created_at > now()",
      );
      return rows[0]?.at ?? undefined;
    },

    settleOrphaned: (reason) => this.settleOrphaned(reason),

    truncate: async () => {
      await this.pool.query("DELETE FROM app_runs");
    },
  };

  /**
   * Policy: a run left `running` by a process that is gone is marked `error`
   * with `reason`; its thread becomes `busy` if other runs are still queued,
   * else `error`. A process is gone when its worker lock is free. Re-queueing
   * or resuming from the last checkpoint is the run engine's choice on top.
   */
  private async settleOrphaned(reason: string): Promise<Run[]> {
    const client = await this.pool.connect();
    const locked: string[] = [];
    try {
      const owners = await client.query<{ claimed_by: string | null }>("SELECT DISTINCT claimed_by FROM app_runs WHERE status = 'running'");
      for (const { claimed_by: owner } of owners.rows) {
        if (owner === null || this.liveness.isOurs(owner)) continue;
        const free = await client.query<{ free: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS free", [WORKER_LOCK_NS, owner]);
        if (free.rows[0]?.free) locked.push(owner);
      }
      await client.query("BEGIN");
      const settled = await client.query<RunRow>(
        `UPDATE app_runs SET status = 'error', error = jsonb_build_object('message', $1::text),
                updated_at = clock_timestamp(), ended_at = clock_timestamp()
          WHERE status = 'running' AND (claimed_by IS NULL OR claimed_by = ANY($2::text[]))
      RETURNING ${RUN_COLUMNS}`,
        [reason, locked],
      );
      const threadIds = [...new Set(settled.rows.map((r) => r.thread_id))];
      if (threadIds.length > 0) {
        await client.query(
          `UPDATE app_threads t
              SET status = CASE WHEN EXISTS (SELECT 1 FROM app_runs r WHERE r.thread_id = t.thread_id
                                               AND r.status IN ('pending', 'running'))
                                THEN 'busy' ELSE 'error' END,
                  error = jsonb_build_object('message', $2::text), updated_at = clock_timestamp()
            WHERE thread_id = ANY($1::text[])`,
          [threadIds, reason],
        );
      }
      await client.query("COMMIT");
      return settled.rows.map(toRun);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      for (const owner of locked) {
        await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [WORKER_LOCK_NS, owner]).catch(() => {});
      }
      client.release();
    }
  }
}
