// A run's pending writes, held back to travel with its next checkpoint
// (issue #15). LangGraph saves each task's writes as soon as the task ends
// (putWrites) and the step's checkpoint right after the last task of the step
// (put): for a step of one task that is two commits a few microseconds apart.
// Sent in the put's own statement they cost none.
//
// What a crash may lose does not change for an acknowledged run: the run's
// end flushes what is still held before its synchronous commit, and a read of
// the thread flushes first, so nobody reads around the buffer. While a run is
// in progress, a killed server loses at most the writes of tasks that ended in
// the last FLUSH_AFTER_MS (the timer sends writes a slow sibling task would
// otherwise hold back): on resume those tasks run again, as they would had
// the server died a moment earlier.
import { WRITES_IDX_MAP, type PendingWrite } from "@langchain/langgraph-checkpoint";

/** How long a write may wait for its step's checkpoint before it is sent on its own. */
export const FLUSH_AFTER_MS = 100;

/** One checkpoint_writes row, serialized. */
export interface WriteRow {
  threadId: string;
  ns: string;
  checkpointId: string;
  taskId: string;
  idx: number;
  channel: string;
  type: string;
  blob: Uint8Array;
  /** Special channels (errors, interrupts...): the last write of an index wins, as in the stock saver. */
  upsert: boolean;
}

/** Sends rows (on their own, or inside a put's statement). */
export type SendWrites = (rows: WriteRow[]) => Promise<void>;

interface Held {
  threadId: string;
  /** putWrites calls in order, each still being serialized or done. */
  batches: Promise<WriteRow[]>[];
  timer?: NodeJS.Timeout;
  /** The last send of this run's rows: the next one waits for it, so rows land in order. */
  sending: Promise<void>;
}

const keyOf = (r: WriteRow) => `${r.threadId}\u0000${r.ns}\u0000${r.checkpointId}\u0000${r.taskId}\u0000${r.idx}`;

/**
 * One row per key, as the stock saver's row-by-row statements leave it: a
 * later upsert replaces the row, a later insert keeps the earlier one (one
 * statement may not write a row twice).
 */
export function mergeWrites(rows: Iterable<WriteRow>): WriteRow[] {
  const byKey = new Map<string, WriteRow>();
  for (const row of rows) {
    const key = keyOf(row);
    if (row.upsert || !byKey.has(key)) byKey.set(key, row);
  }
  return [...byKey.values()];
}

/** The rows of one putWrites call: what PostgresSaver._dumpWrites makes, one row per index. */
export function writeRows(
  dumped: [string, string | undefined, string, string, number, string, string, Uint8Array][],
  writes: PendingWrite[],
): WriteRow[] {
  const upsert = writes.every((w) => w[0] in WRITES_IDX_MAP);
  return mergeWrites(
    dumped.map(([threadId, ns, checkpointId, taskId, idx, channel, type, blob]) => ({
      threadId,
      ns: ns ?? "",
      checkpointId,
      taskId,
      idx,
      channel,
      type,
      blob,
      upsert,
    })),
  );
}

export class RunWriteBuffer {
  private readonly held = new Map<string, Held>();

  constructor(private readonly send: SendWrites) {}

  /** Holds a putWrites call's rows (a promise: serialization may still be under way). */
  hold(runId: string, threadId: string, rows: Promise<WriteRow[]>): void {
    let held = this.held.get(runId);
    if (!held) this.held.set(runId, (held = { threadId, batches: [], sending: Promise.resolve() }));
    held.batches.push(rows);
    // Not holding the process open: a stopping server's runs resume elsewhere.
    held.timer ??= setTimeout(() => void this.flush(runId).catch(() => undefined), FLUSH_AFTER_MS).unref();
  }

  /**
   * Sends `runId`'s held rows through `send` (a put passes its own
   * statement), after any earlier send of them. A failed send puts its rows
   * back: the next put or flush tries them again.
   */
  async sendWith(runId: string, send: SendWrites = this.send): Promise<void> {
    const held = this.held.get(runId);
    if (!held) return send([]);
    clearTimeout(held.timer);
    held.timer = undefined;
    const batches = held.batches.splice(0);
    const previous = held.sending;
    const sending = (async () => {
      await previous.catch(() => undefined);
      const rows = mergeWrites((await Promise.all(batches)).flat());
      try {
        await send(rows);
      } catch (error) {
        held.batches.unshift(Promise.resolve(rows));
        throw error;
      }
    })();
    held.sending = sending;
    try {
      await sending;
    } finally {
      if (held.sending === sending && held.batches.length === 0 && this.held.get(runId) === held) this.held.delete(runId);
    }
  }

  /** Sends what `runId` holds, if anything (its end: before the run's synchronous commit). */
  async flush(runId: string): Promise<void> {
    if (this.held.has(runId)) await this.sendWith(runId);
  }

  /** Sends what runs of `threadId` hold: a read of the thread sees every write made before it. */
  async flushThread(threadId: string): Promise<void> {
    const runs = [...this.held].filter(([, held]) => held.threadId === threadId).map(([runId]) => runId);
    await Promise.all(runs.map((runId) => this.flush(runId)));
  }

  /** Forgets what `runId` holds (its checkpoints are being deleted), once a send under way has settled. */
  async drop(runId: string): Promise<void> {
    const held = this.held.get(runId);
    if (!held) return;
    this.held.delete(runId);
    clearTimeout(held.timer);
    await held.sending.catch(() => undefined);
  }
}
