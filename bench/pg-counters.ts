// What PostgreSQL did for one benchmark scenario, read from its own
// statistics: statements (pg_stat_statements, needs
// shared_preload_libraries=pg_stat_statements), commits (pg_stat_database),
// WAL bytes (the insert LSN moved) and WAL fsyncs (pg_stat_io). The monitor
// connects to database "postgres" so its own queries never count against the
// measured database.
//
// pg_stat_database and pg_stat_io are flushed by each backend when it goes
// idle (at most once a second) or exits; callers close their connections
// (stop the server, end the pool) before `read`, and `settle` waits until
// the numbers stop moving.
import pg from "pg";

export interface Counters {
  /** Top-level statements other than BEGIN/COMMIT: what a client sent. */
  statements: number;
  /** Statements run inside others: foreign-key checks, PL/pgSQL. */
  nested: number;
  /** BEGIN / COMMIT / ROLLBACK statements, counted apart from the work. */
  txControl: number;
  commits: number;
  rollbacks: number;
  walBytes: number;
  walFsyncs: number;
  /** Calls per normalized query text, for the breakdown. */
  byQuery: Map<string, number>;
}

export interface PerRun {
  statements: number;
  nested: number;
  txControl: number;
  commits: number;
  walBytes: number;
  walFsyncs: number;
}

const TX_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b/i;

export class PgCounters {
  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
    private readonly adminUri: string,
  ) {}

  static async open(adminUri: string, database: string): Promise<PgCounters> {
    const client = new pg.Client({ connectionString: adminUri });
    client.on("error", () => {});
    await client.connect();
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    return new PgCounters(client, database, adminUri);
  }

  async read(): Promise<Counters> {
    await this.client.query("SELECT pg_stat_clear_snapshot()");
    const statements = await this.client.query<{ query: string; toplevel: boolean; calls: string }>(
      `SELECT s.query, s.toplevel, sum(s.calls)::bigint AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 GROUP BY s.query, s.toplevel`,
      [this.database],
    );
    const db = await this.client.query<{ xact_commit: string; xact_rollback: string }>(
      "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1",
      [this.database],
    );
    const wal = await this.client.query<{ lsn: string; fsyncs: string | null }>(
      `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint AS lsn,
              (SELECT sum(fsyncs)::bigint FROM pg_stat_io WHERE object = 'wal') AS fsyncs`,
    );
    const byQuery = new Map<string, number>();
    let work = 0;
    let control = 0;
    let nested = 0;
    for (const row of statements.rows) {
      const calls = Number(row.calls);
      const key = row.toplevel ? row.query : `(nested) ${row.query}`;
      byQuery.set(key, (byQuery.get(key) ?? 0) + calls);
      if (!row.toplevel) nested += calls;
      else if (TX_CONTROL.test(row.query)) control += calls;
      else work += calls;
    }
    return {
      statements: work,
      nested,
      txControl: control,
      commits: Number(db.rows[0]?.xact_commit ?? 0),
      rollbacks: Number(db.rows[0]?.xact_rollback ?? 0),
      walBytes: Number(wal.rows[0]?.lsn ?? 0),
      walFsyncs: Number(wal.rows[0]?.fsyncs ?? 0),
      byQuery,
    };
  }

  /**
   * Reads until two reads 1.2 s apart agree on the commit count. Backends
   * flush their statistics late: when idle, and at most once a second
   * (PGSTAT_MIN_INTERVAL), so a read taken sooner after a burst misses some
   * of its commits and the next measurement counts them (this inflated
   * skeino's commits per run by about one, measured against pg_stat_statements
   * and a client-side count).
   */
  async settle(): Promise<Counters> {
    let last = await this.read();
    for (let i = 0; i < 25; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const next = await this.read();
      // A server's background work (cron polls, heartbeats) commits a few times a second.
      if (next.commits - last.commits <= QUIET_COMMITS && next.walFsyncs - last.walFsyncs <= QUIET_COMMITS) return next;
      last = next;
    }
    return last;
  }

  /** Rows updated and HOT-updated per table of the measured database (a connection to it, briefly). */
  async hotUpdates(tables: string[]): Promise<Array<{ table: string; updates: number; hot: number }>> {
    const url = new URL(this.adminUri);
    url.pathname = `/${this.database}`;
    const db = new pg.Client(url.toString());
    db.on("error", () => {});
    await db.connect();
    try {
      const { rows } = await db.query<{ relname: string; n_tup_upd: string; n_tup_hot_upd: string }>(
        "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = ANY($1::text[]) ORDER BY relname",
        [tables],
      );
      return rows.map((r) => ({ table: r.relname, updates: Number(r.n_tup_upd), hot: Number(r.n_tup_hot_upd) }));
    } finally {
      await db.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

/** Commits (and WAL fsyncs) between two reads that still count as quiet. */
const QUIET_COMMITS = 3;

export function perRun(before: Counters, after: Counters, runs: number): PerRun {
  const d = (k: "statements" | "nested" | "txControl" | "commits" | "walBytes" | "walFsyncs") => (after[k] - before[k]) / runs;
  return {
    statements: d("statements"),
    nested: d("nested"),
    txControl: d("txControl"),
    commits: d("commits"),
    walBytes: d("walBytes"),
    walFsyncs: d("walFsyncs"),
  };
}

/** Calls per run of each query that ran at least `min` times per run, most frequent first. */
export function breakdown(before: Counters, after: Counters, runs: number, min = 0.05): Array<[string, number]> {
  const rows: Array<[string, number]> = [];
  for (const [query, calls] of after.byQuery) {
    const per = (calls - (before.byQuery.get(query) ?? 0)) / runs;
    if (per >= min) rows.push([query.replace(/\s+/g, " ").slice(0, 150), per]);
  }
  return rows.sort((a, b) => b[1] - a[1]);
}
