// Deletes what expired, on an interval, in bounded batches, on one process
// at a time (TtlStore.exclusive). Threads go through TtlService.expireThread
// (deleted with their runs and checkpoints or, with keep_latest, pruned to
// their newest checkpoint); store items are deleted in batches of rows.
// Each thread is its own short transaction, so requests interleave with a
// sweep instead of waiting behind it.
import type { Logger } from "../logger.ts";
import type { Persistence } from "../persistence/types.ts";
import type { TtlService } from "./ttl-service.ts";

export interface SweepReport {
  threadsDeleted: number;
  threadsPruned: number;
  checkpointsPruned: number;
  itemsDeleted: number;
  batches: number;
  /** false: another process was sweeping. */
  ran: boolean;
}

export interface TtlSweeperOptions {
  intervalMs: number;
  /** Threads per batch. */
  threadBatch?: number;
  /** Store rows per statement. */
  itemBatch?: number;
}

const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

export class TtlSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;
  private stopped = true;

  constructor(
    private readonly persistence: Persistence,
    private readonly ttl: TtlService,
    private readonly log: Logger,
    private readonly options: TtlSweeperOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep now (or the one already running). */
  sweep(): Promise<SweepReport> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      void this.sweep()
        .then((report) => {
          if (report.threadsDeleted + report.threadsPruned + report.itemsDeleted > 0) this.log.info("ttl sweep", { ...report });
        })
        .catch((error: unknown) => this.log.error("ttl sweep failed", { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          if (!this.stopped) this.arm();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = { threadsDeleted: 0, threadsPruned: 0, checkpointsPruned: 0, itemsDeleted: 0, batches: 0, ran: false };
    const threadBatch = this.options.threadBatch ?? 100;
    const itemBatch = this.options.itemBatch ?? 1000;
    const store = this.persistence.ttl;
    report.ran = await store.exclusive(async () => {
      const fallback = this.ttl.threadDefault;
      // A thread comes back only if its delete or prune did not take; do not spin on it.
      const seen = new Set<string>();
      for (;;) {
        const expired = (await store.expiredThreads(new Date(), threadBatch, fallback)).filter((t) => !seen.has(t.thread_id));
        report.batches += 1;
        for (const thread of expired) {
          if (this.stopped) return;
          seen.add(thread.thread_id);
          const dropped = await this.ttl.expireThread(thread.thread_id, thread.strategy);
          if (thread.strategy === "keep_latest") {
            report.checkpointsPruned += dropped;
            await store.markPruned(thread.thread_id);
            report.threadsPruned += 1;
          } else {
            report.threadsDeleted += 1;
          }
          await yieldToRequests();
        }
        if (expired.length < threadBatch) break;
      }
      for (;;) {
        if (this.stopped) return;
        const deleted = await store.sweepItems(itemBatch);
        report.itemsDeleted += deleted;
        report.batches += 1;
        if (deleted < itemBatch) break;
        await yieldToRequests();
      }
    });
    return report;
  }
}
