// Follows a thread's event log from a cursor: replay and live delivery are
// the same loop (read after the cursor, then wait for the log to grow), so
// an event is delivered once, in order, whatever the timing.
import type { ThreadEvent, ThreadEventLog } from "../persistence/types.ts";
import type { ThreadHub } from "./thread-hub.ts";

const BATCH = 256;

export interface FollowOptions {
  /** Deliver events with seq > after. */
  after: number;
  /** Runs whose events this follower does not want. */
  skipRuns?: ReadonlySet<string>;
  signal: AbortSignal;
  /** Re-read at least this often: notifications across processes are not durable. */
  pollMs: number;
}

export async function* followThread(log: ThreadEventLog, hub: ThreadHub, threadId: string, options: FollowOptions): AsyncGenerator<ThreadEvent> {
  const lease = hub.lease(threadId);
  try {
    let cursor = options.after;
    while (!options.signal.aborted && !hub.closed) {
      const seen = lease.version();
      const batch = await log.read(threadId, cursor, BATCH);
      for (const e of batch) {
        cursor = e.seq;
        if (options.skipRuns?.has(e.run_id)) continue;
        yield e;
      }
      if (batch.length === BATCH) continue;
      await lease.wait(seen, options.pollMs, options.signal);
    }
  } finally {
    lease.release();
  }
}
