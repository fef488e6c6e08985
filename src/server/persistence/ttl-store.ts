// Time-to-live: threads (delete, or keep only the latest checkpoint) and
// store items, behind one interface with a memory and a PostgreSQL backend.
// TTLs are in minutes and run on wall time (PostgreSQL's store compares
// expires_at with CURRENT_TIMESTAMP itself); fractional minutes are allowed.
export type ThreadTtlStrategy = "delete" | "keep_latest";

export interface ThreadTtlSpec {
  strategy: ThreadTtlStrategy;
  ttl_minutes: number;
}

export interface ThreadTtl extends ThreadTtlSpec {
  /** The thread's last update plus its ttl. */
  expires_at: string;
}

export interface ExpiredThread {
  thread_id: string;
  strategy: ThreadTtlStrategy;
}

export interface ItemKey {
  namespace: string[];
  key: string;
}

export interface TtlStore {
  /** Sets the thread's own ttl; null clears it (the default, if any, applies again). */
  setThreadTtl(threadId: string, ttl: ThreadTtlSpec | null): Promise<void>;
  getThreadTtl(threadId: string, fallback?: ThreadTtlSpec): Promise<ThreadTtl | undefined>;
  /**
   * Threads whose last update plus ttl (their own, else `fallback`) is at or
   * before `now`, not busy, and not pruned since that update; at most `limit`.
   */
  expiredThreads(now: Date, limit: number, fallback?: ThreadTtlSpec): Promise<ExpiredThread[]>;
  /** keep_latest: the thread was pruned now; it expires again only after a new update. */
  markPruned(threadId: string): Promise<void>;
  /** Writes an item's ttl (minutes from now), or clears it with null. */
  setItemTtl(item: ItemKey, ttlMinutes: number | null): Promise<void>;
  /** Deletes up to `limit` expired store items; returns how many. */
  sweepItems(limit: number): Promise<number>;
  /** Runs `fn` unless another process is sweeping; resolves false when skipped. */
  exclusive(fn: () => Promise<void>): Promise<boolean>;
}
