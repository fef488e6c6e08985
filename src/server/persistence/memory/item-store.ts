// LangGraph's InMemoryStore plus what the API needs on top: item TTLs
// (InMemoryStore has none) and the truncate the test-suite route uses.
// Expired items vanish from every read at once; the sweeper frees them.
// Reads (the API's and graphs' alike) refresh what they return unless the
// operation says `refreshTtl: false` (see ../store-reads.ts).
import { InMemoryStore, type Operation, type OperationResults, type SearchItem } from "@langchain/langgraph-checkpoint";
import type { ItemKey } from "../ttl-store.ts";
import { itemsToRefresh } from "../store-reads.ts";

interface Expiry {
  expiresAt: number;
  ttlMs: number;
}

const keyOf = (namespace: string[], key: string) => JSON.stringify([namespace, key]);

export class MemoryItemStore extends InMemoryStore {
  private expiries = new Map<string, Expiry>();
  private earliest = Infinity;

  constructor(
    private readonly defaultTtlMinutes?: number,
    private readonly refreshOnRead = true,
  ) {
    super();
  }

  // InMemoryStore's map (namespace "a:b" -> key -> item); private in its typings only.
  private get items(): Map<string, Map<string, unknown>> {
    return (this as unknown as { data: Map<string, Map<string, unknown>> }).data;
  }

  override async batch<Op extends readonly Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    if (this.earliest <= Date.now()) await this.sweep(Infinity);
    const results = await super.batch(operations);
    this.refresh(itemsToRefresh(operations, results as unknown[], this.refreshOnRead));
    for (const op of operations) {
      if (!("value" in op)) continue;
      const k = keyOf(op.namespace, op.key);
      const ttl = (op as { options?: { ttl?: number | null } }).options?.ttl;
      const minutes = ttl === undefined ? this.defaultTtlMinutes : ttl;
      if (op.value === null || minutes == null) this.expiries.delete(k);
      else this.setExpiry(k, minutes);
    }
    return results;
  }

  private setExpiry(k: string, minutes: number): void {
    const ttlMs = minutes * 60_000;
    const expiresAt = Date.now() + ttlMs;
    this.expiries.set(k, { expiresAt, ttlMs });
    this.earliest = Math.min(this.earliest, expiresAt);
  }

  /** BaseStore.search drops options it does not know: carry refreshTtl into the operation. */
  override async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string; refreshTtl?: boolean } = {},
  ): Promise<SearchItem[]> {
    const { filter, limit = 10, offset = 0, query, refreshTtl } = options;
    const op = { namespacePrefix, filter, limit, offset, query, refreshTtl } as Operation;
    return ((await this.batch([op])) as unknown as SearchItem[][])[0] ?? [];
  }

  setTtl(item: ItemKey, minutes: number | null): void {
    const k = keyOf(item.namespace, item.key);
    if (minutes === null) this.expiries.delete(k);
    else if (this.items.get(item.namespace.join(":"))?.has(item.key)) this.setExpiry(k, minutes);
  }

  refresh(items: ItemKey[]): void {
    for (const item of items) {
      const k = keyOf(item.namespace, item.key);
      const expiry = this.expiries.get(k);
      if (expiry) this.setExpiry(k, expiry.ttlMs / 60_000);
    }
  }

  /** Deletes up to `limit` expired items. */
  async sweep(limit: number): Promise<number> {
    const now = Date.now();
    let deleted = 0;
    let earliest = Infinity;
    for (const [k, expiry] of this.expiries) {
      if (expiry.expiresAt > now || deleted >= limit) {
        earliest = Math.min(earliest, expiry.expiresAt);
        continue;
      }
      const [namespace, key] = JSON.parse(k) as [string[], string];
      this.items.get(namespace.join(":"))?.delete(key);
      this.expiries.delete(k);
      deleted += 1;
    }
    this.earliest = earliest;
    return deleted;
  }

  async truncate(): Promise<void> {
    this.items.clear();
    (this as unknown as { vectors?: Map<string, unknown> }).vectors?.clear();
    this.expiries.clear();
    this.earliest = Infinity;
  }
}
