// MetadataStore over PostgreSQL: assistants, threads and runs in the app_*
// tables (migrations.ts). Filters use jsonb containment (@>), exactly what the
// memory backend emulates; runs are claimed with one FOR UPDATE SKIP LOCKED
// statement so several processes can share the database (research §4.5).
import type pg from "pg";
import type {
  Assistant,
  AssistantCreate,
  AssistantFilter,
  AssistantPatch,
  AssistantSearch,
  AssistantVersion,
  JsonObject,
  MetadataStore,
  MultitaskStrategy,
  Run,
  RunKwargs,
  RunListOptions,
  RunOutcome,
  RunStatus,
  Thread,
  ThreadCreate,
  ThreadFilter,
  ThreadSearch,
  ThreadStatus,
  ThreadUpdate,
} from "../types.ts";
import { conflict, threadBusy, threadNotFound } from "../../errors.ts";
import { Params, inTransaction, iso, likeEscape, pgCode, toJsonb } from "./sql.ts";

interface AssistantRow {
  assistant_id: string;
  graph_id: string;
  config: Assistant["config"];
  context: JsonObject;
  metadata: JsonObject;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface ThreadRow {
  thread_id: string;
  created_at: Date;
  updated_at: Date;
  metadata: JsonObject;
  status: ThreadStatus;
  config: Thread["config"];
  values: JsonObject | null;
  interrupts: Record<string, unknown[]> | null;
  error: unknown;
}

interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  created_at: Date;
  updated_at: Date;
  status: RunStatus;
  metadata: JsonObject;
  multitask_strategy: MultitaskStrategy;
  kwargs: RunKwargs;
}

const toAssistant = (r: AssistantRow): Assistant => ({
  assistant_id: r.assistant_id,
  graph_id: r.graph_id,
  config: r.config,
  context: r.context,
  metadata: r.metadata,
  name: r.name,
  description: r.description,
  version: r.version,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
});

const toVersion = (r: Omit<AssistantRow, "updated_at">): AssistantVersion => ({
  assistant_id: r.assistant_id,
  graph_id: r.graph_id,
  config: r.config,
  context: r.context,
  metadata: r.metadata,
  name: r.name,
  description: r.description,
  version: r.version,
  created_at: iso(r.created_at),
});

// values / interrupts / error stay absent until written, as the contract says.
const toThread = (r: ThreadRow): Thread => ({
  thread_id: r.thread_id,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  metadata: r.metadata,
  status: r.status,
  config: r.config,
  ...(r.values !== null ? { values: r.values } : {}),
  ...(r.interrupts !== null ? { interrupts: r.interrupts } : {}),
  ...(r.error !== null ? { error: r.error } : {}),
});

const toRun = (r: RunRow): Run => ({
  run_id: r.run_id,
  thread_id: r.thread_id,
  assistant_id: r.assistant_id,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  status: r.status,
  metadata: r.metadata,
  multitask_strategy: r.multitask_strategy,
  kwargs: r.kwargs,
});

// Sort fields are spliced into SQL, so only these whitelisted columns exist.
const ASSISTANT_SORT: Record<NonNullable<AssistantSearch["sort_by"]>, string> = {
  assistant_id: "assistant_id",
  graph_id: "graph_id",
  name: "name",
  created_at: "created_at",
  updated_at: "updated_at",
};
const THREAD_SORT: Record<NonNullable<ThreadSearch["sort_by"]>, string> = {
  thread_id: "thread_id",
  status: "status",
  created_at: "created_at",
  updated_at: "updated_at",
};

function orderBy<K extends string>(columns: Record<K, string>, sortBy: K | undefined, order: string | undefined): string {
  const column = sortBy !== undefined && Object.prototype.hasOwnProperty.call(columns, sortBy) ? columns[sortBy] : "created_at";
  const direction = order === "asc" ? "ASC" : "DESC";
  // seq breaks ties in insertion order, as the memory backend does.
  return `ORDER BY ${column} ${direction}, seq ${direction}`;
}

const RUN_COLUMNS = "run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy, kwargs";
const ASSISTANT_COLUMNS = "assistant_id, graph_id, config, context, metadata, name, description, version, created_at, updated_at";
const THREAD_COLUMNS = `thread_id, created_at, updated_at, metadata, status, config, "values", interrupts, error`;

/** Advisory-lock namespace for worker liveness ("skno"); the key is hashtext(worker id). */
const WORKER_LOCK_NS = 0x736b6e6f;

/** Who sends on the run bus: finish() notifies as PostgresRunBus.publish does. */
export interface BusIdentity {
  channel: string;
  origin: string;
}

/** A connection outside the pool: session advisory locks must outlive a query. */
export type ConnectDedicated = () => Promise<pg.Client>;

export class PostgresMetadataStore implements MetadataStore {
  /**
   * Worker ids this process claimed runs for. Each holds a session advisory
   * lock on `liveness` for the life of the process; settleOrphaned (in any
   * process) settles only runs whose worker's lock is free, i.e. whose
   * process is gone. Worker ids must be unique per process (host:pid:uuid).
   */
  private readonly workers = new Set<string>();
  /** Worker ids whose lock is currently held on `liveness` (emptied when that connection drops). */
  private readonly locked = new Set<string>();
  private liveness: Promise<pg.Client> | undefined;
  private livenessClient: pg.Client | undefined;
  private closed = false;

  /** runId -> whether its claim / finish saw another due pending run (read once). */
  private readonly pendingSeen = new Map<string, boolean>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectDedicated: ConnectDedicated,
    /** The bus's channel and sender id, so finish() notifies run_ended in its own commit. */
    private readonly bus?: BusIdentity,
  ) {}

  private rememberPending(runId: string, seen: boolean): void {
    // Bounded: a finish nobody asks about (a cancelled pending run) must not pile up.
    if (this.pendingSeen.size >= 1000) this.pendingSeen.delete(this.pendingSeen.keys().next().value as string);
    this.pendingSeen.set(runId, seen);
  }

  // ---------------------------------------------------------------- assistants
  readonly assistants: MetadataStore["assistants"] = {
    create: async (input: AssistantCreate) => {
      const p = new Params();
      const { rows } = await this.pool.query<AssistantRow>(
        `WITH a AS (
           INSERT INTO app_assistants (assistant_id, graph_id, config, context, metadata, name, description)
           VALUES (${p.add(input.assistant_id)}, ${p.add(input.graph_id)}, ${p.json(input.config ?? {})},
                   ${p.json(input.context ?? {})}, ${p.json(input.metadata ?? {})},
                   ${p.add(input.name ?? input.graph_id)}, ${p.add(input.description ?? null)})
           ON CONFLICT (assistant_id) DO NOTHING
           RETURNING ${ASSISTANT_COLUMNS}),
         v AS (
           INSERT INTO app_assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
           SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at FROM a)
         SELECT * FROM a`,
        p.values,
      );
      if (rows[0]) return toAssistant(rows[0]);
      if (input.if_exists === "do_nothing") {
        const existing = await this.assistants.get(input.assistant_id);
        if (existing) return existing;
      }
      throw conflict("Assistant already exists");
    },

    get: async (assistantId) => {
      const { rows } = await this.pool.query<AssistantRow>({ name: "skeino_assistant_get", text: ASSISTANT_GET_SQL, values: [assistantId] });
      return rows[0] ? toAssistant(rows[0]) : undefined;
    },

    patch: (assistantId, patch: AssistantPatch) =>
      inTransaction(this.pool, async (client) => {
        // The row lock serializes concurrent patches, so each gets its own version number.
        const locked = await client.query<{ version: number }>("SELECT version FROM app_assistants WHERE assistant_id = $1 FOR UPDATE", [
          assistantId,
        ]);
        if (!locked.rows[0]) return undefined;
        const p = new Params();
        const id = p.add(assistantId);
        const sets = [
          `version = GREATEST(a.version, (SELECT coalesce(max(version), 0) FROM app_assistant_versions WHERE assistant_id = ${id})) + 1`,
          "updated_at = clock_timestamp()",
        ];
        if (patch.graph_id !== undefined) sets.push(`graph_id = ${p.add(patch.graph_id)}`);
        if (patch.config !== undefined) sets.push(`config = ${p.json(patch.config)}`);
        if (patch.context !== undefined) sets.push(`context = ${p.json(patch.context)}`);
        if (patch.metadata !== undefined) sets.push(`metadata = a.metadata || ${p.json(patch.metadata)}`);
        if (patch.name !== undefined) sets.push(`name = ${p.add(patch.name)}`);
        if (patch.description !== undefined) sets.push(`description = ${p.add(patch.description)}`);
        const { rows } = await client.query<AssistantRow>(
          `UPDATE app_assistants a SET ${sets.join(", ")} WHERE assistant_id = ${id} RETURNING ${ASSISTANT_COLUMNS}`,
          p.values,
        );
        const row = rows[0];
        if (!row) return undefined;
        await client.query(
          `INSERT INTO app_assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
           SELECT assistant_id, version, graph_id, config, context, metadata, name, description, updated_at
             FROM app_assistants WHERE assistant_id = $1`,
          [assistantId],
        );
        return toAssistant(row);
      }),

    delete: (assistantId) =>
      inTransaction(this.pool, async (client) => {
        await client.query("DELETE FROM app_runs WHERE assistant_id = $1", [assistantId]);
        const { rowCount } = await client.query("DELETE FROM app_assistants WHERE assistant_id = $1", [assistantId]);
        return (rowCount ?? 0) > 0;
      }),

    search: async (query: AssistantSearch) => {
      const p = new Params();
      const where = assistantWhere(query, p);
      const [page, count] = await Promise.all([
        this.pool.query<AssistantRow>(
          `SELECT ${ASSISTANT_COLUMNS} FROM app_assistants ${where}
           ${orderBy(ASSISTANT_SORT, query.sort_by, query.sort_order)}
           LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
          p.values,
        ),
        this.countAssistants(query),
      ]);
      return { items: page.rows.map(toAssistant), total: count };
    },

    count: (filter) => this.countAssistants(filter),

    versions: async (assistantId, query) => {
      const p = new Params();
      const conditions = [`assistant_id = ${p.add(assistantId)}`];
      if (query.metadata) conditions.push(`metadata @> ${p.json(query.metadata)}`);
      if (query.authFilter) conditions.push(`metadata @> ${p.json(query.authFilter)}`);
      const { rows } = await this.pool.query<Omit<AssistantRow, "updated_at">>(
        `SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at
           FROM app_assistant_versions WHERE ${conditions.join(" AND ")}
          ORDER BY version DESC LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
        p.values,
      );
      return rows.map(toVersion);
    },

    setLatest: (assistantId, version) =>
      inTransaction(this.pool, async (client) => {
        const locked = await client.query("SELECT 1 FROM app_assistants WHERE assistant_id = $1 FOR UPDATE", [assistantId]);
        if (locked.rowCount === 0) return "no-assistant" as const;
        const { rows } = await client.query<AssistantRow>(
          `UPDATE app_assistants a
              SET graph_id = v.graph_id, config = v.config, context = v.context, metadata = v.metadata,
                  name = v.name, description = v.description, version = v.version, updated_at = clock_timestamp()
             FROM app_assistant_versions v
            WHERE a.assistant_id = $1 AND v.assistant_id = $1 AND v.version = $2
        RETURNING ${ASSISTANT_COLUMNS.split(", ")
          .map((c) => `a.${c}`)
          .join(", ")}`,
          [assistantId, version],
        );
        return rows[0] ? toAssistant(rows[0]) : ("no-version" as const);
      }),

    truncateUserAssistants: async () => {
      await this.pool.query("DELETE FROM app_assistants WHERE metadata->>'created_by' IS DISTINCT FROM 'system'");
    },
  };

  private async countAssistants(filter: AssistantFilter): Promise<number> {
    const p = new Params();
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM app_assistants ${assistantWhere(filter, p)}`, p.values);
    return rows[0]?.n ?? 0;
  }

  // ------------------------------------------------------------------ threads
  readonly threads: MetadataStore["threads"] = {
    create: async (input: ThreadCreate) => {
      const { rows } = await this.pool.query<ThreadRow>({
        name: "skeino_thread_create",
        text: THREAD_CREATE_SQL,
        values: [input.thread_id, toJsonb(input.metadata ?? {})],
      });
      return rows[0] ? toThread(rows[0]) : "exists";
    },

    get: async (threadId) => {
      const { rows } = await this.pool.query<ThreadRow>({ name: "skeino_thread_get", text: THREAD_GET_SQL, values: [threadId] });
      return rows[0] ? toThread(rows[0]) : undefined;
    },

    update: async (threadId, update: ThreadUpdate) => {
      const p = new Params();
      const { rows } = await this.pool.query<ThreadRow>(`${threadUpdateSql(threadId, update, p)} RETURNING ${THREAD_COLUMNS}`, p.values);
      return rows[0] ? toThread(rows[0]) : undefined;
    },

    delete: async (threadId) => {
      const { rowCount } = await this.pool.query("DELETE FROM app_threads WHERE thread_id = $1", [threadId]);
      return (rowCount ?? 0) > 0;
    },

    search: async (query: ThreadSearch) => {
      const p = new Params();
      const where = threadWhere(query, p);
      const [page, count] = await Promise.all([
        this.pool.query<ThreadRow>(
          `SELECT ${THREAD_COLUMNS} FROM app_threads ${where}
           ${orderBy(THREAD_SORT, query.sort_by, query.sort_order)}
           LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
          p.values,
        ),
        this.countThreads(query),
      ]);
      return { items: page.rows.map(toThread), total: count };
    },

    count: (filter) => this.countThreads(filter),

    truncate: async () => {
      await this.pool.query("TRUNCATE app_runs, app_threads CASCADE");
    },
  };

  private async countThreads(filter: ThreadFilter): Promise<number> {
    const p = new Params();
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM app_threads ${threadWhere(filter, p)}`, p.values);
    return rows[0]?.n ?? 0;
  }

  // --------------------------------------------------------------------- runs
  readonly runs: MetadataStore["runs"] = {
    create: async (run: Run, thread?: ThreadUpdate, options?: { ifIdle?: boolean }) => {
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
      const withThread = update ? `WITH thread_update AS (${threadUpdateSql(run.thread_id, update, p)}${guard} RETURNING 1) ` : "";
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
      ].join(", ");
      const source = options?.ifIdle ? `SELECT ${values} FROM thread_update` : `VALUES (${values})`;
      try {
        const { rows } = await this.pool.query<RunRow>(
          `${withThread}INSERT INTO app_runs (run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy, kwargs)
           ${source}
           RETURNING ${RUN_COLUMNS}`,
          p.values,
        );
        if (rows.length === 0) {
          // Nothing updated: the thread is busy, or gone.
          if (!(await this.threads.get(run.thread_id))) throw threadNotFound(run.thread_id);
          throw threadBusy();
        }
        return toRun(rows[0] as RunRow);
      } catch (error) {
        // 23503: the thread does not exist (app_runs.thread_id references app_threads).
        if (pgCode(error) === "23503") throw threadNotFound(run.thread_id);
        throw error;
      }
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
      await this.holdWorker(workerId);
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
    finish: async (runId, status: RunOutcome, thread) => {
      const p = new Params();
      const ctes = [
        ...(thread ? [`thread_update AS (${finishThreadSql(runId, thread.threadId, thread.update, p)} RETURNING 1)`] : []),
        `ended AS (UPDATE app_runs SET status = ${p.add(status)}, updated_at = clock_timestamp(), ended_at = clock_timestamp()
                    WHERE run_id = ${p.add(runId)} AND status IN ('pending', 'running') RETURNING run_id, thread_id)`,
      ];
      // The envelope PostgresRunBus.publish would send, built where the thread id is known.
      const notify = this.bus
        ? `, pg_notify(${p.add(this.bus.channel)}, json_build_object('from', ${p.add(this.bus.origin)}::text, 'message',
             json_build_object('type', 'run_ended', 'run_id', ended.run_id, 'thread_id', ended.thread_id))::text) AS notified`
        : "";
      const { rows } = await this.pool.query<{ more: boolean }>(
        `WITH ${ctes.join(", ")}
         SELECT EXISTS (SELECT 1 FROM app_runs WHERE status = 'pending' AND created_at <= now()) AS more${notify} FROM ended`,
        p.values,
      );
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
        if (owner === null || this.workers.has(owner)) continue;
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

  private holding?: Promise<void>;

  /** Serialized: the liveness connection runs one query at a time. */
  private holdWorker(workerId: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The PostgreSQL metadata store is closed"));
    if (this.locked.has(workerId) && this.liveness) return Promise.resolve();
    const previous = this.holding ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.takeWorkerLock(workerId));
    this.holding = next;
    return next;
  }

  private async takeWorkerLock(workerId: string): Promise<void> {
    if (this.locked.has(workerId) && this.liveness) return;
    this.liveness ??= this.openLiveness();
    const client = await this.liveness;
    const { rows } = await client.query<{ held: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS held", [WORKER_LOCK_NS, workerId]);
    if (!rows[0]?.held) {
      // Another live session holds it: a duplicate worker id (or a hash
      // collision). Claiming still works; only orphan detection is weaker.
      process.stderr.write(`skeino: worker id '${workerId}' is already held by another process\n`);
    }
    this.workers.add(workerId);
    this.locked.add(workerId);
  }

  private async openLiveness(): Promise<pg.Client> {
    let client: pg.Client;
    try {
      client = await this.connectDedicated();
    } catch (error) {
      this.liveness = undefined;
      throw error;
    }
    // The locks die with the connection: forget them so the next claim takes them again.
    const lost = () => {
      if (this.livenessClient !== client) return;
      this.livenessClient = undefined;
      this.liveness = undefined;
      // Our runs stay ours (settleOrphaned skips this.workers); the next
      // claim re-takes the locks. Until then another process may see them
      // as orphans: a lost connection to Postgres is a lost lease.
      this.locked.clear();
    };
    client.on("error", lost);
    client.on("end", lost);
    this.livenessClient = client;
    return client;
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.liveness;
    this.liveness = undefined;
    this.workers.clear();
    this.locked.clear();
    const client = this.livenessClient ?? (await opening?.catch(() => undefined));
    this.livenessClient = undefined;
    await client?.end().catch(() => {});
  }
}

// One statement: lock the oldest due pending run AND its thread row (so two
// claimers never take two runs of one thread), skip what others hold, mark
// the run running and the thread busy.
const CLAIM_SQL = `
WITH candidate AS (
  SELECT r.run_id, r.thread_id
    FROM app_runs r JOIN app_threads t ON t.thread_id = r.thread_id
   WHERE r.status = 'pending' AND r.created_at <= now()
     AND NOT EXISTS (SELECT 1 FROM app_runs x WHERE x.thread_id = r.thread_id AND x.status = 'running')
   ORDER BY r.created_at, r.seq
   LIMIT 1
   FOR UPDATE OF r, t SKIP LOCKED
), claimed AS (
  UPDATE app_runs r
     SET status = 'running', claimed_by = $1, attempt = r.attempt + 1,
         started_at = clock_timestamp(), updated_at = clock_timestamp()
    FROM candidate c
   WHERE r.run_id = c.run_id
  RETURNING r.run_id, r.thread_id, r.assistant_id, r.created_at, r.updated_at, r.status, r.metadata,
            r.multitask_strategy, r.kwargs
), busy AS (
  UPDATE app_threads t SET status = 'busy', updated_at = clock_timestamp()
    FROM claimed c WHERE t.thread_id = c.thread_id
)
-- more: another due pending run exists (the index on status, created_at
-- answers it), so waking another worker to claim is worth a round trip.
SELECT claimed.*, EXISTS (SELECT 1 FROM app_runs p WHERE p.status = 'pending' AND p.created_at <= now()
                            AND p.run_id <> claimed.run_id) AS more
  FROM claimed`;

// Hot-path statements with fixed text: named, so each connection plans them once.
const ASSISTANT_GET_SQL = `SELECT ${ASSISTANT_COLUMNS} FROM app_assistants WHERE assistant_id = $1`;
const THREAD_GET_SQL = `SELECT ${THREAD_COLUMNS} FROM app_threads WHERE thread_id = $1`;
const THREAD_CREATE_SQL = `INSERT INTO app_threads (thread_id, metadata) VALUES ($1, $2::jsonb)
  ON CONFLICT (thread_id) DO NOTHING RETURNING ${THREAD_COLUMNS}`;
const RUN_GET_SQL = `SELECT ${RUN_COLUMNS} FROM app_runs WHERE run_id = $1 AND ($2::text IS NULL OR thread_id = $2)`;
const RUNS_ACTIVE_SQL = `SELECT ${RUN_COLUMNS} FROM app_runs WHERE thread_id = $1 AND status IN ('pending', 'running') ORDER BY created_at, seq`;

/** A finished run's thread update: "idle" stays "busy" while another run of the thread is queued or running. */
function finishThreadSql(runId: string, threadId: string, update: ThreadUpdate, p: Params): string {
  if (update.status !== "idle") return threadUpdateSql(threadId, update, p);
  const status = `CASE WHEN EXISTS (SELECT 1 FROM app_runs o WHERE o.thread_id = ${p.add(threadId)} AND o.run_id <> ${p.add(runId)}
                                     AND o.status IN ('pending', 'running')) THEN 'busy' ELSE 'idle' END`;
  return threadUpdateSql(threadId, { ...update, status: undefined }, p, status);
}

/** UPDATE app_threads for a ThreadUpdate (no RETURNING), parameters added to `p`; `statusSql` computes the status. */
function threadUpdateSql(threadId: string, update: ThreadUpdate, p: Params, statusSql?: string): string {
  const sets = ["updated_at = clock_timestamp()"];
  if (statusSql !== undefined) sets.push(`status = ${statusSql}`);
  else if (update.status !== undefined) sets.push(`status = ${p.add(update.status)}`);
  if (update.metadata !== undefined) sets.push(`metadata = metadata || ${p.json(update.metadata)}`);
  if ("values" in update) sets.push(`"values" = ${p.json(update.values)}`);
  if ("interrupts" in update) sets.push(`interrupts = ${p.json(update.interrupts)}`);
  if (update.config !== undefined) sets.push(`config = ${p.json(update.config)}`);
  if ("error" in update) sets.push(`error = ${p.json(update.error)}`);
  return `UPDATE app_threads SET ${sets.join(", ")} WHERE thread_id = ${p.add(threadId)}`;
}

function assistantWhere(filter: AssistantFilter, p: Params): string {
  const conditions: string[] = [];
  if (filter.graph_id !== undefined) conditions.push(`graph_id = ${p.add(filter.graph_id)}`);
  if (filter.name !== undefined) conditions.push(`name ILIKE ${p.add(`%${likeEscape(filter.name)}%`)}`);
  if (filter.metadata !== undefined) conditions.push(`metadata @> ${p.json(filter.metadata)}`);
  if (filter.authFilter !== undefined) conditions.push(`metadata @> ${p.json(filter.authFilter)}`);
  return conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
}

function threadWhere(filter: ThreadFilter, p: Params): string {
  const conditions: string[] = [];
  if (filter.ids !== undefined) conditions.push(`thread_id = ANY(${p.add(filter.ids)}::text[])`);
  if (filter.status !== undefined) conditions.push(`status = ${p.add(filter.status)}`);
  if (filter.metadata !== undefined) conditions.push(`metadata @> ${p.json(filter.metadata)}`);
  // The auth filter is its own condition (not merged into the user's): both use the GIN index.
  if (filter.authFilter !== undefined) conditions.push(`metadata @> ${p.json(filter.authFilter)}`);
  // Threads that have no values yet match any values filter (the reference server does the same).
  if (filter.values !== undefined) conditions.push(`("values" IS NULL OR "values" @> ${p.json(filter.values)})`);
  return conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
}
