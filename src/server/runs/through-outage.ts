// A stream reader's database read, retried while the database is away: a
// stream opened just before an outage must still end once the database is
// back and its run has been settled.
import { isDatabaseUnavailable } from "../persistence/database-unavailable.ts";

/** How long a stream reader waits out an unreachable database before it ends the stream with an error. */
export const STREAM_OUTAGE_LIMIT_MS = 5 * 60_000;

/**
 * Back-off is capped at 1 s so the reader notices the recovery promptly;
 * gives up after `limitMs`, when the client leaves, or on any other error.
 */
export async function throughOutage<T>(read: () => Promise<T>, signal?: AbortSignal, limitMs = STREAM_OUTAGE_LIMIT_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await read();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || signal?.aborted || Date.now() + delay > deadline) throw error;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        }
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }
}
