// Time-to-live as the API defines it: a thread's ttl (create/update), store
// items' ttl with refresh on read. Expiry itself is the sweeper's job.
import type { Operation } from "@langchain/langgraph-checkpoint";
import type { JsonObject, Persistence } from "../persistence/types.ts";
import type { ThreadTtl, ThreadTtlSpec, ThreadTtlStrategy } from "../persistence/ttl-store.ts";
import type { ThreadService } from "../threads/thread-service.ts";
import type { ResolvedSettings } from "../settings.ts";
import { threadNotFound, unprocessable } from "../errors.ts";

/**
 * The longest ttl accepted, in minutes (1,000 years): expiry times beyond it
 * overflow PostgreSQL's timestamps and JavaScript's dates.
 */
export const MAX_TTL_MINUTES = 525_600_000;

export class TtlService {
  constructor(
    private readonly persistence: Persistence,
    private readonly settings: ResolvedSettings,
    private readonly threads: ThreadService,
  ) {}

  /**
   * What expiry does, on demand (POST /threads/prune): delete the threads, or
   * keep each one's latest checkpoint. Unknown ids are skipped; a busy thread
   * is not pruned to its latest checkpoint (its run is still writing).
   * Answers how many threads were pruned.
   */
  /** `visible`: custom auth's verdict on a thread; one the caller may not see is skipped like a missing one. */
  async prune(threadIds: string[], strategy: ThreadTtlStrategy, visible: (metadata: JsonObject) => boolean = () => true): Promise<number> {
    let pruned = 0;
    for (const threadId of new Set(threadIds)) {
      const thread = await this.persistence.metadata.threads.get(threadId);
      if (!thread || !visible(thread.metadata) || (strategy === "keep_latest" && thread.status === "busy")) continue;
      await this.expireThread(threadId, strategy);
      pruned += 1;
    }
    return pruned;
  }

  /**
   * Applies a strategy to one thread: delete it (its runs and checkpoints
   * with it; already gone is fine) or drop every checkpoint but the latest.
   * Answers how many checkpoints keep_latest dropped.
   */
  async expireThread(threadId: string, strategy: ThreadTtlStrategy): Promise<number> {
    if (strategy === "keep_latest") return this.persistence.checkpoints.pruneToLatest(threadId);
    await this.threads.delete(threadId).catch((error: unknown) => {
      if ((error as { status?: number }).status !== 404) throw error;
    });
    return 0;
  }

  /** The manifest's thread default (checkpointer.ttl), if any. */
  get threadDefault(): ThreadTtlSpec | undefined {
    const { defaultTtlMinutes, strategy } = this.settings.threadTtl;
    return defaultTtlMinutes === undefined ? undefined : { ttl_minutes: defaultTtlMinutes, strategy: strategy ?? "delete" };
  }

  /** A request's thread ttl, checked: undefined (not sent), null (clear it) or the spec; 422 naming the field. */
  parseThreadTtl(body: unknown): ThreadTtlSpec | null | undefined {
    if (body === undefined || body === null) return body;
    const spec = typeof body === "number" ? { ttl: body } : body;
    if (typeof spec !== "object" || Array.isArray(spec))
      throw unprocessable(`Invalid body: 'ttl' must be a number of minutes or {"ttl": minutes, "strategy": "delete" | "keep_latest"}`);
    const { ttl, strategy = "delete" } = spec as { ttl?: unknown; strategy?: unknown };
    if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl < 0 || ttl > MAX_TTL_MINUTES) {
      throw unprocessable(`Invalid body: 'ttl.ttl' must be a number of minutes between 0 and ${MAX_TTL_MINUTES}, got ${JSON.stringify(ttl)}`);
    }
    if (strategy !== "delete" && strategy !== "keep_latest")
      throw unprocessable(`Invalid body: 'ttl.strategy' must be "delete" or "keep_latest", got ${JSON.stringify(strategy)}`);
    return { ttl_minutes: ttl, strategy };
  }

  /** Records a parsed thread ttl; undefined leaves it as it is. */
  async setThreadTtl(threadId: string, spec: ThreadTtlSpec | null | undefined): Promise<void> {
    if (spec === undefined) return;
    await this.persistence.ttl.setThreadTtl(threadId, spec);
  }

  async threadExpiry(threadId: string): Promise<ThreadTtl | null> {
    if (!(await this.persistence.metadata.threads.get(threadId))) throw threadNotFound(threadId);
    return (await this.persistence.ttl.getThreadTtl(threadId, this.threadDefault)) ?? null;
  }

  /** ttl: minutes; null: never expires; undefined: the store default. */
  async putItem(namespace: string[], key: string, value: Record<string, unknown>, ttl: number | null | undefined): Promise<void> {
    if (ttl != null && (!Number.isFinite(ttl) || ttl < 0 || ttl > MAX_TTL_MINUTES)) {
      throw unprocessable(`Invalid body: 'ttl' must be a number of minutes between 0 and ${MAX_TTL_MINUTES}, or null, got ${JSON.stringify(ttl)}`);
    }
    // The store's own put carries the ttl (PostgresStore and MemoryItemStore read options.ttl).
    const op = { namespace, key, value, options: ttl === undefined ? undefined : { ttl: ttl ?? undefined } } as unknown as Operation;
    await this.persistence.store.batch([op]);
    if (ttl === null) await this.persistence.ttl.setItemTtl({ namespace, key }, null);
  }
}
