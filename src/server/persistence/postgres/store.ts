// The LangGraph store (BaseStore) on skeino's pool. PostgresStore 1.0.5
// always builds its own pg.Pool from `connectionOptions` (sharing a pool is
// langgraphjs PR #1966, open), and that pool would have no 'error' listener.
// So we let it build an unused pool (pg connects lazily: no connection is
// ever opened) and put ours in its place before any call.
import type pg from "pg";
import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";

/** The store's tables, in the schema PostgresStore defaults to. */
export const STORE_TABLES = ["store", "store_migrations"] as const;

export class SharedPoolPostgresStore extends PostgresStore {
  constructor(pool: pg.Pool) {
    // ensureTables: false - skeino's migrations run setup() under the
    // migration lock; the lazy per-call setup would race between processes.
    super({ connectionOptions: { max: 1 }, ensureTables: false });
    (this as unknown as { core: { pool: pg.Pool } }).core.pool = pool;
  }

  /** The pool belongs to the persistence layer, which ends it once. */
  override async stop(): Promise<void> {}

  /** Empties the store (POST /internal/truncate for test suites). */
  async truncate(): Promise<void> {
    const pool = (this as unknown as { core: { pool: pg.Pool } }).core.pool;
    await pool.query("DELETE FROM store");
  }
}
