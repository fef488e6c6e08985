// The LangGraph store (BaseStore) on skeino's pool. PostgresStore 1.0.5
// always builds its own pg.Pool from `connectionOptions` (sharing a pool is
// langgraphjs PR #1966, open), and that pool would have no 'error' listener.
// So we let it build an unused pool (pg connects lazily: no connection is
// ever opened) and put ours in its place before any call.
//
// TTL: puts take the manifest's default ttl; reads (the API's and graphs'
// alike, through get, search and batch) push the expiry of what they return
// forward by the item's own ttl, unless told not to (../store-reads.ts).
import type pg from "pg";
import type { Item, Operation, OperationResults } from "@langchain/langgraph-checkpoint";
import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import type { ItemKey } from "../ttl-store.ts";
import { itemsToRefresh } from "../store-reads.ts";

/** The store's tables, in the schema PostgresStore defaults to. */
export const STORE_TABLES = ["store", "store_migrations"] as const;

export class SharedPoolPostgresStore extends PostgresStore {
  constructor(
    pool: pg.Pool,
    defaultTtlMinutes?: number,
    private readonly refreshOnRead = true,
  ) {
    // ensureTables: false - skeino's migrations run setup() under the
    // migration lock; the lazy per-call setup would race between processes.
    // ttl: only the default for puts; its own refresh would use the default
    // ttl, not the item's, and sweeping is the TTL sweeper's.
    super({ connectionOptions: { max: 1 }, ensureTables: false, ...(defaultTtlMinutes ? { ttl: { defaultTtl: defaultTtlMinutes } } : {}) });
    (this as unknown as { core: { pool: pg.Pool } }).core.pool = pool;
  }

  private get pool(): pg.Pool {
    return (this as unknown as { core: { pool: pg.Pool } }).core.pool;
  }

  /**
   * Pushes each item's expiry forward by its own ttl. A put stamps expires_at
   * and (trigger) updated_at together, so expires_at - updated_at is the ttl.
   */
  async refreshItems(items: ItemKey[]): Promise<void> {
    if (items.length === 0) return;
    await this.pool.query(
      `UPDATE store s SET expires_at = CURRENT_TIMESTAMP + (s.expires_at - s.updated_at)
         FROM unnest($1::text[], $2::text[]) AS k(ns, key)
        WHERE s.namespace_path = k.ns AND s.key = k.key AND s.expires_at IS NOT NULL AND s.expires_at > CURRENT_TIMESTAMP`,
      [items.map((i) => i.namespace.join(":")), items.map((i) => i.key)],
    );
  }

  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results = await super.batch(operations);
    await this.refreshItems(itemsToRefresh(operations, results as unknown[], this.refreshOnRead));
    return results;
  }

  override async get(namespace: string[], key: string): Promise<Item | null> {
    const item = await super.get(namespace, key);
    if (item && this.refreshOnRead) await this.refreshItems([{ namespace, key }]);
    return item;
  }

  /** The pool belongs to the persistence layer, which ends it once. */
  override async stop(): Promise<void> {}

  /**
   * PostgresStore refuses an empty prefix; the API (and the SDK's
   * searchItems([])) means "every namespace". Plain listing with an optional
   * top-level equality filter; a semantic query needs a prefix.
   */
  override async search(namespacePrefix: string[], options: Parameters<PostgresStore["search"]>[1] = {}) {
    const items = await this.searchAll(namespacePrefix, options);
    if (options.refreshTtl ?? this.refreshOnRead) await this.refreshItems(items);
    return items;
  }

  private async searchAll(namespacePrefix: string[], options: Parameters<PostgresStore["search"]>[1] = {}) {
    if (namespacePrefix.length > 0) return super.search(namespacePrefix, options);
    const pool = this.pool;
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
    await this.pool.query("DELETE FROM store");
  }
}
