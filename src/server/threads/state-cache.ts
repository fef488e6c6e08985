// Serialized latest state per thread, for backends one process owns (memory,
// custom): GET /threads/{id}/state is the Studio's hottest read. Every write
// that can change a thread's state goes through the checkpointer (its
// instrumentation's invalidate hook) or the checkpoint admin, which invalidate
// the entry; processes sharing a database
// do not use it (another process may write).
import type { CheckpointAdmin } from "../persistence/types.ts";

export class ThreadStateCache {
  private entries = new Map<string, string>();
  /** Bumped on every invalidation: a read that raced a write must not be cached. */
  private generation = 0;
  private generations = new Map<string, number>();

  constructor(private readonly maxEntries = 2_000) {}

  get(threadId: string): string | undefined {
    return this.entries.get(threadId);
  }

  /** Call before reading the state; pass the token to set(). */
  token(threadId: string): number {
    return this.generations.get(threadId) ?? 0;
  }

  set(threadId: string, json: string, token: number): void {
    // Large states are cheap to rebuild relative to the memory they would pin.
    if (json.length > 256 * 1024) return;
    if ((this.generations.get(threadId) ?? 0) !== token) return;
    this.entries.delete(threadId);
    this.entries.set(threadId, json);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  invalidate(threadId: string | undefined): void {
    this.generation += 1;
    if (threadId === undefined) {
      this.entries.clear();
      for (const id of this.generations.keys()) this.generations.set(id, this.generation);
      return;
    }
    this.entries.delete(threadId);
    // Re-inserted so the newest generations are never the ones forgotten below.
    this.generations.delete(threadId);
    this.generations.set(threadId, this.generation);
    if (this.generations.size > this.maxEntries * 4) {
      // Forget old generations; the reads they guarded are long finished.
      const excess = this.generations.size - this.maxEntries * 2;
      let i = 0;
      for (const id of this.generations.keys()) {
        if (i++ >= excess) break;
        if (!this.entries.has(id)) this.generations.delete(id);
      }
    }
  }

  /**
   * Invalidates on every checkpoint admin operation. Checkpoint writes reach
   * invalidate() through the instrumented saver's hook (persistence/instrumented-saver.ts).
   */
  watchAdmin(admin: CheckpointAdmin): void {
    const { deleteRun, deleteThread: adminDelete, truncate } = admin;
    admin.deleteRun = (threadId, runId) => {
      this.invalidate(threadId);
      return deleteRun.call(admin, threadId, runId).finally(() => this.invalidate(threadId));
    };
    admin.deleteThread = (threadId) => {
      this.invalidate(threadId);
      return adminDelete.call(admin, threadId);
    };
    admin.truncate = () => {
      this.invalidate(undefined);
      return truncate.call(admin).finally(() => this.invalidate(undefined));
    };
  }
}
