/* eslint-disable max-lines -- Over 300 lines on purpose: the migrations are an append-only history, each kept exactly as it ran on existing databases (their checksums are checked). */
// skeino's schema: versioned migrations recorded in skeino_migrations, applied
// in ONE transaction under pg_advisory_xact_lock together with the saver's and
// the store's own setup(). Several processes booting at once on an empty
// database then queue on the lock instead of failing: unlocked, 13 of 24
// concurrent setup() calls failed with 23505 (research §1.2).
import { createHash } from "node:crypto";
import type pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { PostgresSetupError } from "./errors.ts";
import { SAVER_TABLES } from "./saver.ts";
import { SharedPoolPostgresStore, STORE_TABLES } from "./store.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Append only: an applied migration is never edited (its checksum is checked).
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "assistants, threads and runs",
    sql: `
CREATE TABLE app_assistants (
  assistant_id text PRIMARY KEY,
  graph_id     text NOT NULL,
  config       jsonb NOT NULL DEFAULT '{}',
  context      jsonb NOT NULL DEFAULT '{}',
  metadata     jsonb NOT NULL DEFAULT '{}',
  name         text NOT NULL,
  description  text,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- insertion order: breaks created_at ties the way the memory backend does
  seq          bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX app_assistants_metadata_gin ON app_assistants USING gin (metadata jsonb_path_ops);
CREATE INDEX app_assistants_graph_id ON app_assistants (graph_id);

CREATE TABLE app_assistant_versions (
  assistant_id text NOT NULL REFERENCES app_assistants ON DELETE CASCADE,
  version      integer NOT NULL,
  graph_id     text NOT NULL,
  config       jsonb NOT NULL DEFAULT '{}',
  context      jsonb NOT NULL DEFAULT '{}',
  metadata     jsonb NOT NULL DEFAULT '{}',
  name         text NOT NULL,
  description  text,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (assistant_id, version)
);

CREATE TABLE app_threads (
  thread_id  text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  metadata   jsonb NOT NULL DEFAULT '{}',
  status     text NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'busy', 'interrupted', 'error')),
  config     jsonb NOT NULL DEFAULT '{}',
  "values"   jsonb,
  interrupts jsonb,
  error      jsonb,
  seq        bigint GENERATED ALWAYS AS IDENTITY
);
-- /threads/search: metadata @> filter, status filter, sort by time.
CREATE INDEX app_threads_metadata_gin ON app_threads USING gin (metadata jsonb_path_ops);
CREATE INDEX app_threads_status_updated ON app_threads (status, updated_at DESC);
CREATE INDEX app_threads_updated_at ON app_threads (updated_at DESC, seq DESC);
CREATE INDEX app_threads_created_at ON app_threads (created_at DESC, seq DESC);

CREATE TABLE app_runs (
  run_id             text PRIMARY KEY,
  thread_id          text NOT NULL REFERENCES app_threads ON DELETE CASCADE,
  assistant_id       text NOT NULL,
  status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'running', 'success', 'error', 'timeout', 'interrupted')),
  metadata           jsonb NOT NULL DEFAULT '{}',
  multitask_strategy text NOT NULL DEFAULT 'reject'
                       CHECK (multitask_strategy IN ('reject', 'interrupt', 'rollback', 'enqueue')),
  kwargs             jsonb NOT NULL,
  -- when the run may start: in the future for after_seconds
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at         timestamptz,
  ended_at           timestamptz,
  attempt            integer NOT NULL DEFAULT 0,
  -- worker id of the claimer; its liveness is a session advisory lock
  claimed_by         text,
  error              jsonb,
  seq                bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX app_runs_thread_created ON app_runs (thread_id, created_at DESC, seq DESC);
-- claimNext: the oldest due pending run.
CREATE INDEX app_runs_status_created ON app_runs (status, created_at, seq);
CREATE INDEX app_runs_assistant ON app_runs (assistant_id);
-- Safety net under claimNext: at most one running run per thread.
CREATE UNIQUE INDEX app_runs_one_running_per_thread ON app_runs (thread_id) WHERE status = 'running';
`,
  },
  {
    version: 2,
    name: "run event log for cross-process streams",
    sql: `
CREATE TABLE app_run_events (
  run_id  text NOT NULL REFERENCES app_runs ON DELETE CASCADE,
  id      integer NOT NULL,
  event   text NOT NULL,
  data    text NOT NULL,
  PRIMARY KEY (run_id, id)
);
CREATE INDEX app_runs_ended ON app_runs (ended_at) WHERE ended_at IS NOT NULL;
`,
  },
  {
    version: 3,
    name: "thread event history for the streaming protocol",
    sql: `
-- The last seq handed out on the thread: numbers are allocated by an UPDATE
-- of this row, so processes that append to one thread never collide and a
-- pruned history never lets a number be reused.
ALTER TABLE app_threads ADD COLUMN event_seq bigint NOT NULL DEFAULT 0;
CREATE TABLE app_thread_events (
  thread_id  text NOT NULL REFERENCES app_threads ON DELETE CASCADE,
  seq        bigint NOT NULL,
  run_id     text NOT NULL,
  method     text NOT NULL,
  channel    text NOT NULL,
  namespace  jsonb NOT NULL,
  params     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (thread_id, seq)
);
CREATE INDEX app_thread_events_run ON app_thread_events (run_id, seq);
CREATE INDEX app_thread_events_created ON app_thread_events (created_at);
`,
  },
  {
    version: 4,
    name: "crons and their firings",
    sql: `
CREATE TABLE app_crons (
  cron_id          text PRIMARY KEY,
  assistant_id     text NOT NULL,
  thread_id        text,
  user_id          text,
  schedule         text NOT NULL,
  timezone         text,
  end_time         timestamptz,
  payload          jsonb NOT NULL DEFAULT '{}',
  metadata         jsonb NOT NULL DEFAULT '{}',
  enabled          boolean NOT NULL DEFAULT true,
  on_run_completed text CHECK (on_run_completed IN ('delete', 'keep')),
  next_run_date    timestamptz,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  seq              bigint GENERATED ALWAYS AS IDENTITY
);
-- The scheduler's claim: enabled crons whose due time has come.
CREATE INDEX app_crons_due ON app_crons (next_run_date) WHERE enabled AND next_run_date IS NOT NULL;
CREATE INDEX app_crons_metadata_gin ON app_crons USING gin (metadata jsonb_path_ops);
CREATE INDEX app_crons_thread ON app_crons (thread_id);
CREATE INDEX app_crons_assistant ON app_crons (assistant_id);

-- One row per due time of a cron: the primary key is what makes a due time
-- fire once, whichever process claims it.
CREATE TABLE app_cron_firings (
  cron_id    text NOT NULL REFERENCES app_crons ON DELETE CASCADE,
  due_at     timestamptz NOT NULL,
  status     text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'started', 'failed')),
  run_id     text,
  thread_id  text,
  error      text,
  claimed_by text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (cron_id, due_at)
);
CREATE INDEX app_cron_firings_claimed ON app_cron_firings (claimed_at) WHERE status = 'claimed';
`,
  },
  {
    version: 5,
    name: "thread time-to-live",
    sql: `
-- A thread's own ttl (NULL: the manifest's default applies) and when the
-- keep_latest strategy last pruned it.
CREATE TABLE app_thread_ttl (
  thread_id   text PRIMARY KEY REFERENCES app_threads ON DELETE CASCADE,
  strategy    text CHECK (strategy IN ('delete', 'keep_latest')),
  ttl_minutes double precision CHECK (ttl_minutes >= 0),
  pruned_at   timestamptz
);
`,
  },
  {
    version: 6,
    name: "room for HOT updates of threads",
    sql: `
-- A run bumps its thread's event counter (event_seq) once per batch of
-- protocol events, touching no indexed column: with a fifth of each page
-- left free, the new row version fits on the same page and the update is
-- HOT (no index entry written). Applies to pages written from now on.
ALTER TABLE app_threads SET (fillfactor = 80);
`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Tables skeino creates itself (the saver's and the store's come from their setup()). */
export const APP_TABLES = [
  "skeino_migrations",
  "app_assistants",
  "app_assistant_versions",
  "app_threads",
  "app_runs",
  "app_run_events",
  "app_thread_events",
  "app_crons",
  "app_cron_firings",
  "app_thread_ttl",
] as const;

/** Every table a running skeino needs; setupSchema: false checks these. */
export const REQUIRED_TABLES: readonly string[] = [...APP_TABLES, ...SAVER_TABLES, ...STORE_TABLES];

/** The saver's schema version at the time of writing (5 migrations, v 0..4). */
const MIN_CHECKPOINT_VERSION = 4;

const checksum = (sql: string) => createHash("sha256").update(sql).digest("hex").slice(0, 16);

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS skeino_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * The saver and the store take a client from "their pool" and release it;
 * this pool hands out our transaction's client, so their setup() joins the
 * transaction. release() is a no-op: the client goes back once, by us.
 */
function transactionPool(client: pg.PoolClient): pg.Pool {
  const borrowed = {
    query: (...args: Parameters<pg.PoolClient["query"]>) => client.query(...args),
    release: () => {},
  };
  return { connect: async () => borrowed, query: borrowed.query } as unknown as pg.Pool;
}

export interface MigrationResult {
  /** Versions of skeino's migrations applied by this call. */
  applied: number[];
  version: number;
}

function checkApplied(rows: { version: number; checksum: string }[]): void {
  for (const row of rows) {
    const known = MIGRATIONS.find((m) => m.version === row.version);
    if (!known) {
      throw new PostgresSetupError(
        "PG_SCHEMA_NEWER",
        `The database's skeino schema is at version ${Math.max(...rows.map((r) => r.version))}, newer than this skeino knows ` +
          `(${LATEST_VERSION}). Upgrade skeino, or use a database of this version.`,
      );
    }
    if (checksum(known.sql) !== row.checksum) {
      throw new PostgresSetupError(
        "PG_SCHEMA_EDITED",
        `skeino migration ${row.version} (${known.name}) differs from the one applied to this database. ` +
          "Applied migrations must never change; add a new migration instead.",
      );
    }
  }
}

/** Creates or upgrades every table: skeino's, the checkpoint saver's and the store's. Safe to call concurrently. */
export async function migrate(pool: pg.Pool): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('skeino:migrate'))");
    await client.query(MIGRATIONS_TABLE);
    const { rows } = await client.query<{ version: number; checksum: string }>("SELECT version, checksum FROM skeino_migrations ORDER BY version");
    checkApplied(rows);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO skeino_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        checksum(migration.sql),
      ]);
      applied.push(migration.version);
    }
    // Their setup() treats a missing migrations table (42P01) as version -1,
    // but inside a transaction that error would abort it: create the table
    // first, exactly as their migration 0 does.
    await client.query(`CREATE TABLE IF NOT EXISTS "public".checkpoint_migrations (v INTEGER PRIMARY KEY)`);
    await new PostgresSaver(transactionPool(client)).setup();
    await client.query(`CREATE TABLE IF NOT EXISTS "public".store_migrations (v INTEGER PRIMARY KEY)`);
    await new SharedPoolPostgresStore(transactionPool(client)).setup();
    await client.query("COMMIT");
    return { applied, version: LATEST_VERSION };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** setupSchema: false - creates nothing; fails naming what is missing and how to fix it. */
export async function verifySchema(pool: pg.Pool, redactedUri: string): Promise<void> {
  const { rows } = await pool.query<{ name: string; present: boolean }>(
    "SELECT name, to_regclass(name) IS NOT NULL AS present FROM unnest($1::text[]) AS name",
    [REQUIRED_TABLES.map((t) => (APP_TABLES.includes(t as (typeof APP_TABLES)[number]) ? t : `public.${t}`))],
  );
  const fix = `Run \`skeino db migrate --uri ${redactedUri}\` with a role that can create tables, or remove setupSchema: false.`;
  const missing = rows.filter((r) => !r.present).map((r) => r.name.replace(/^public\./, ""));
  if (missing.length > 0) {
    throw new PostgresSetupError(
      "PG_SCHEMA_MISSING",
      `checkpointerOptions.setupSchema is false but the database has no ${missing.join(", ")} ` + `table${missing.length > 1 ? "s" : ""}. ${fix}`,
    );
  }
  const versions = await pool.query<{ skeino: number | null; checkpoints: number | null }>(
    `SELECT (SELECT max(version) FROM skeino_migrations) AS skeino,
            (SELECT max(v) FROM "public".checkpoint_migrations) AS checkpoints`,
  );
  const { skeino, checkpoints } = versions.rows[0] ?? { skeino: null, checkpoints: null };
  checkApplied((await pool.query<{ version: number; checksum: string }>("SELECT version, checksum FROM skeino_migrations")).rows);
  if ((skeino ?? 0) < LATEST_VERSION || (checkpoints ?? -1) < MIN_CHECKPOINT_VERSION) {
    throw new PostgresSetupError(
      "PG_SCHEMA_OUTDATED",
      `checkpointerOptions.setupSchema is false but the database schema is out of date ` +
        `(skeino ${skeino ?? 0}/${LATEST_VERSION}, checkpoints ${checkpoints ?? -1}/${MIN_CHECKPOINT_VERSION}). ${fix}`,
    );
  }
}
