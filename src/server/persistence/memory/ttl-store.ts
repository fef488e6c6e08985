// The memory backend of TtlStore: thread ttls in a map beside the metadata
// store; item ttls live in MemoryItemStore. One process: no lock needed.
import type { MetadataStore } from "../types.ts";
import type { ExpiredThread, ItemKey, ThreadTtl, ThreadTtlSpec, TtlStore } from "../ttl-store.ts";
import type { MemoryItemStore } from "./item-store.ts";

interface Entry {
  spec: ThreadTtlSpec | null;
  prunedAt?: number;
}

export class MemoryTtlStore implements TtlStore {
  private threads = new Map<string, Entry>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly items: MemoryItemStore,
  ) {}

  async setThreadTtl(threadId: string, ttl: ThreadTtlSpec | null): Promise<void> {
    this.threads.set(threadId, { ...this.threads.get(threadId), spec: ttl });
  }

  async getThreadTtl(threadId: string, fallback?: ThreadTtlSpec): Promise<ThreadTtl | undefined> {
    const thread = await this.metadata.threads.get(threadId);
    const spec = this.threads.get(threadId)?.spec ?? fallback;
    if (!thread || !spec) return undefined;
    return { ...spec, expires_at: new Date(Date.parse(thread.updated_at) + spec.ttl_minutes * 60_000).toISOString() };
  }

  async expiredThreads(now: Date, limit: number, fallback?: ThreadTtlSpec): Promise<ExpiredThread[]> {
    const candidates = fallback
      ? (await this.metadata.threads.search({ limit: Number.MAX_SAFE_INTEGER, offset: 0, sort_by: "updated_at", sort_order: "asc" })).items
      : [];
    if (!fallback) {
      for (const id of this.threads.keys()) {
        const thread = await this.metadata.threads.get(id);
        if (thread) candidates.push(thread);
        else this.threads.delete(id);
      }
    }
    const out: ExpiredThread[] = [];
    for (const thread of candidates) {
      if (out.length >= limit) break;
      const entry = this.threads.get(thread.thread_id);
      const spec = entry?.spec ?? fallback;
      if (!spec || thread.status === "busy") continue;
      const updated = Date.parse(thread.updated_at);
      if (updated + spec.ttl_minutes * 60_000 > now.getTime()) continue;
      if (entry?.prunedAt !== undefined && entry.prunedAt >= updated) continue;
      out.push({ thread_id: thread.thread_id, strategy: spec.strategy });
    }
    return out;
  }

  async markPruned(threadId: string): Promise<void> {
    this.threads.set(threadId, { spec: this.threads.get(threadId)?.spec ?? null, prunedAt: Date.now() });
  }

  async setItemTtl(item: ItemKey, ttlMinutes: number | null): Promise<void> {
    this.items.setTtl(item, ttlMinutes);
  }

  sweepItems(limit: number): Promise<number> {
    return this.items.sweep(limit);
  }

  async exclusive(fn: () => Promise<void>): Promise<boolean> {
    await fn();
    return true;
  }
}
