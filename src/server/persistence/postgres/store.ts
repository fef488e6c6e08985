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
  constructor(pool: pg.Pool, defaultTtlMinutes?: number) {
    // ensureTables: false - skeino's migrations run setup() under the
    // migration lock; the lazy per-call setup would race between processes.
    // ttl: only the default for puts; refresh and sweeping are TtlStore's.
    super({ connectionOptions: { max: 1 }, ensureTables: false, ...(defaultTtlMinutes ? { ttl: { defaultTtl: defaultTtlMinutes } } : {}) });
    (this as unknown as { core: { pool: pg.Pool } }).core.pool = pool;
  }

  /** The pool belongs to the persistence layer, which ends it once. */
  override async stop(): Promise<void> {}

  /**
   * PostgresStore refuses an empty prefix; the API (and the SDK's
   * searchItems([])) means "every namespace". Plain listing with an optional
   * top-level equality filter; a semantic query needs a prefix.
   */
  override async search(namespacePrefix: string[], options: Parameters<PostgresStore["search"]>[1] = {}) {
    if (namespacePrefix.length > 0) return super.search(namespacePrefix, options);
    const pool = (this as unknown as { core: { pool: pg.Pool } }).core.pool;
    const { rows } = await pool.query<{ namespace_path: string; key: string; value: Record<string, unknown>; created_at: Date; updated_at: Date }>(
      `SELECT namespace_path, key, value, created_at, updated_at FROM store
        WHERE (expires_at IS NULL OR expires_at > now()) AND ($1::jsonb IS NULL OR value @> $1::jsonb)
        ORDER BY updated_at DESC LIMIT $2 OFFSET $3`,
      [options.filter ? JSON.stringify(options.filter) : null, options.limit ?? 10, options.offset ?? 0],
    );
    return rows.map((r) => ({ namespace: r.namespace_path.split(":"), key: r.key, value: r.value, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** Empties the store (POST /internal/truncate for test suites). */
  async truncate(): Promise<void> {
    const pool = (this as unknown as { core: { pool: pg.Pool } }).core.pool;
    await pool.query("DELETE FROM store");
  }
}
