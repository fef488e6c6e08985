// Settles what processes that died left behind (several processes on one
// database): runs still marked running, and stale shared stream events and
// thread protocol events.
import type { Persistence, Run } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";

/** How long PostgreSQL keeps a thread's protocol events (memory keeps a bounded count instead). */
export const THREAD_EVENT_RETENTION_MS = 24 * 60 * 60_000;
/** How long the shared log keeps a run's stream events (joins of ended runs read them). */
const RUN_EVENT_RETENTION_MS = 5 * 60_000;

export interface RunReaperOptions {
  persistence: Persistence;
  log: Logger;
  /** A settled orphan's waiters and streams here are released. */
  release: (runId: string) => void;
  /** Its thread is free: a worker may claim the thread's next run. */
  wake: () => void;
}

export async function reapOrphans({ persistence, log, release, wake }: RunReaperOptions): Promise<void> {
  const bus = persistence.bus;
  try {
    await bus?.pruneEvents(RUN_EVENT_RETENTION_MS);
    await persistence.threadEvents.prune(THREAD_EVENT_RETENTION_MS);
    const settled: Run[] = await persistence.metadata.runs.settleOrphaned("server stopped while the run was in progress");
    for (const run of settled) {
      release(run.run_id);
      // If its owner is alive after all (only its liveness connection dropped), it stops the graph.
      void bus?.publish({ type: "cancel", run_id: run.run_id, action: "interrupt" }).catch(() => undefined);
      void bus?.publish({ type: "run_ended", run_id: run.run_id, thread_id: run.thread_id }).catch(() => undefined);
    }
    if (settled.length) {
      log.warn("settled runs of a process that stopped", { runs: settled.map((r) => r.run_id) });
      wake();
    }
  } catch (error) {
    log.warn("reaper failed", { error: serializeError(error).message });
  }
}
