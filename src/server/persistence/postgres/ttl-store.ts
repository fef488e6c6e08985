// TtlStore over PostgreSQL: thread ttls in app_thread_ttl (expiry = the
// thread's updated_at + ttl), item ttls in the LangGraph store's own
// expires_at column (its reads already hide expired rows). The sweep runs
// under a session advisory lock, so one process sweeps at a time.
import type pg from "pg";
import type { ExpiredThread, ItemKey, ThreadTtl, ThreadTtlSpec, ThreadTtlStrategy, TtlStore } from "../ttl-store.ts";
import { iso } from "./sql.ts";

const SWEEP_LOCK = "skeino:ttl-sweep";

export class PostgresTtlStore implements TtlStore {
  constructor(private readonly pool: pg.Pool) {}

  async setThreadTtl(threadId: string, ttl: ThreadTtlSpec | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO app_thread_ttl (thread_id, strategy, ttl_minutes) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM app_threads WHERE thread_id = $1)
       ON CONFLICT (thread_id) DO UPDATE SET strategy = EXCLUDED.strategy, ttl_minutes = EXCLUDED.ttl_minutes`,
      [threadId, ttl?.strategy ?? null, ttl?.ttl_minutes ?? null],
    );
  }

  async getThreadTtl(threadId: string, fallback?: ThreadTtlSpec): Promise<ThreadTtl | undefined> {
    const { rows } = await this.pool.query<{ strategy: ThreadTtlStrategy | null; ttl_minutes: number | null; updated_at: Date }>(
      `SELECT t.strategy, t.ttl_minutes, th.updated_at FROM app_threads th LEFT JOIN app_thread_ttl t USING (thread_id) WHERE th.thread_id = $1`,
      [threadId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const spec = row.ttl_minutes !== null && row.strategy !== null ? { strategy: row.strategy, ttl_minutes: row.ttl_minutes } : fallback;
    if (!spec) return undefined;
    return { ...spec, expires_at: iso(new Date(row.updated_at.getTime() + spec.ttl_minutes * 60_000)) };
  }

  async expiredThreads(now: Date, limit: number, fallback?: ThreadTtlSpec): Promise<ExpiredThread[]> {
    // Without a default only threads with a ttl of their own can expire: start from those.
    const from = fallback ? "app_threads th LEFT JOIN app_thread_ttl t USING (thread_id)" : "app_thread_ttl t JOIN app_threads th USING (thread_id)";
    const { rows } = await this.pool.query<ExpiredThread>(
      `SELECT th.thread_id, coalesce(t.strategy, $3) AS strategy FROM ${from}
        WHERE th.status <> 'busy'
          AND th.updated_at + coalesce(t.ttl_minutes, $2) * interval '1 minute' <= $1
          AND (t.pruned_at IS NULL OR t.pruned_at < th.updated_at)
        ORDER BY th.updated_at LIMIT $4`,
      [now.toISOString(), fallback?.ttl_minutes ?? null, fallback?.strategy ?? null, limit],
    );
    return rows;
  }

  // The database's clock, not `at`: pruned_at is compared with updated_at,
  // which the database stamps; a skewed client clock could otherwise find
  // the same thread expired again and again.
  async markPruned(threadId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO app_thread_ttl (thread_id, pruned_at) SELECT $1, clock_timestamp() WHERE EXISTS (SELECT 1 FROM app_threads WHERE thread_id = $1)
       ON CONFLICT (thread_id) DO UPDATE SET pruned_at = EXCLUDED.pruned_at`,
      [threadId],
    );
  }

  async setItemTtl(item: ItemKey, ttlMinutes: number | null): Promise<void> {
    // The store's trigger sets updated_at to the same CURRENT_TIMESTAMP, so
    // expires_at - updated_at stays the item's ttl (what refresh reuses).
    await this.pool.query(
      `UPDATE store SET expires_at = CASE WHEN $3::float8 IS NULL THEN NULL ELSE CURRENT_TIMESTAMP + $3::float8 * interval '1 minute' END
        WHERE namespace_path = $1 AND key = $2`,
      [item.namespace.join(":"), item.key, ttlMinutes],
    );
  }

  async sweepItems(limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM store WHERE ctid IN (SELECT ctid FROM store WHERE expires_at IS NOT NULL AND expires_at <= CURRENT_TIMESTAMP LIMIT $1)`,
      [limit],
    );
    return rowCount ?? 0;
  }

  async exclusive(fn: () => Promise<void>): Promise<boolean> {
    const client = await this.pool.connect();
    let locked = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [SWEEP_LOCK]);
      locked = rows[0]?.ok === true;
      if (!locked) return false;
      await fn();
      return true;
    } finally {
      if (locked) await client.query("SELECT pg_advisory_unlock(hashtext($1))", [SWEEP_LOCK]).catch(() => undefined);
      client.release();
    }
  }
}
