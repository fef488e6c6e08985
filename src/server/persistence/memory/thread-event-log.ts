// The protocol event history in process memory, bounded: the reference keeps
// every event of every run forever. Per thread, older runs' events go first
// once the thread holds more than `perThread` events or `bytesPerThread` of
// JSON (the running run keeps up to `perRun` events, so a long token stream
// cannot grow without end); past `threads` threads or `bytesTotal`, the
// thread that streamed least recently loses its history. Sequence numbers
// survive eviction, so event ids are never reused.
import type { NewThreadEvent, ThreadEvent, ThreadEventLog } from "../types.ts";

export interface MemoryEventRetention {
  perThread: number;
  perRun: number;
  threads: number;
  bytesPerThread: number;
  bytesTotal: number;
}

export const DEFAULT_MEMORY_RETENTION: MemoryEventRetention = {
  perThread: 10_000,
  perRun: 50_000,
  threads: 1_000,
  bytesPerThread: 32 * 1024 * 1024,
  bytesTotal: 256 * 1024 * 1024,
};

interface ThreadHistory {
  events: ThreadEvent[];
  /** JSON characters held (params), a proxy for memory. */
  bytes: number;
}

export class MemoryThreadEventLog implements ThreadEventLog {
  readonly batchDelayMs = 0;
  /** Insertion order is recency: a thread that appends moves to the end. */
  private histories = new Map<string, ThreadHistory>();
  private counters = new Map<string, number>();
  private totalBytes = 0;
  private readonly retention: MemoryEventRetention;

  constructor(retention: Partial<MemoryEventRetention> = {}) {
    this.retention = { ...DEFAULT_MEMORY_RETENTION, ...retention };
  }

  async append(threadId: string, runId: string, events: NewThreadEvent[]): Promise<void> {
    let history = this.histories.get(threadId);
    if (history) this.histories.delete(threadId);
    history ??= { events: [], bytes: 0 };
    this.histories.set(threadId, history);
    let seq = this.counters.get(threadId) ?? 0;
    for (const e of events) {
      history.events.push({ ...e, seq: ++seq, run_id: runId });
      history.bytes += e.params.length;
      this.totalBytes += e.params.length;
    }
    this.counters.set(threadId, seq);
    this.trim(history, runId);
    for (const [id, oldest] of this.histories) {
      if (this.histories.size <= this.retention.threads && this.totalBytes <= this.retention.bytesTotal) break;
      if (oldest === history) break; // the thread streaming now keeps what its own bounds allow
      this.totalBytes -= oldest.bytes;
      this.histories.delete(id);
    }
  }

  private drop(history: ThreadHistory, count: number): void {
    for (const e of history.events.splice(0, count)) {
      history.bytes -= e.params.length;
      this.totalBytes -= e.params.length;
    }
  }

  private trim(history: ThreadHistory, runId: string): void {
    const { perThread, perRun, bytesPerThread } = this.retention;
    const over = () => history.events.length > perThread || history.bytes > bytesPerThread;
    if (!over()) return;
    // Older runs first: the current run's whole stream is what late subscribers replay.
    while (over() && history.events.length > 0 && history.events[0].run_id !== runId) this.drop(history, 1);
    if (history.events.length > perRun) this.drop(history, history.events.length - perRun);
    while (history.bytes > bytesPerThread && history.events.length > 1) this.drop(history, 1);
  }

  async read(threadId: string, afterSeq: number, limit: number): Promise<ThreadEvent[]> {
    const events = this.histories.get(threadId)?.events;
    if (!events || events.length === 0) return [];
    // seqs are contiguous within what is retained: index arithmetic, no search.
    const start = Math.max(0, afterSeq + 1 - events[0].seq);
    return events.slice(start, start + limit);
  }

  async position(threadId: string, runId?: string): Promise<{ last: number; runStart?: number }> {
    const last = this.counters.get(threadId) ?? 0;
    if (runId === undefined) return { last };
    const first = this.histories.get(threadId)?.events.find((e) => e.run_id === runId);
    return { last, runStart: first?.seq };
  }

  async prune(): Promise<void> {}

  async deleteThread(threadId: string): Promise<void> {
    const history = this.histories.get(threadId);
    if (history) this.totalBytes -= history.bytes;
    this.histories.delete(threadId);
    this.counters.delete(threadId);
  }

  /** Events held, for tests of the bounds. */
  size(): number {
    let n = 0;
    for (const h of this.histories.values()) n += h.events.length;
    return n;
  }

  /** JSON characters held, for tests of the bounds. */
  bytes(): number {
    return this.totalBytes;
  }
}
