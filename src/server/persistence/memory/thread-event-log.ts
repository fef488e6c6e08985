// The protocol event history in process memory, bounded: the reference keeps
// every event of every run forever. Per thread, older runs' events go first
// once the thread holds more than `perThread` events (the running run keeps
// up to `perRun`, so a long token stream cannot grow without end); past
// `threads` threads, the thread that streamed least recently loses its
// history. Sequence numbers survive eviction, so ids are never reused.
import type { NewThreadEvent, ThreadEvent, ThreadEventLog } from "../types.ts";

export interface MemoryEventRetention {
  perThread: number;
  perRun: number;
  threads: number;
}

export const DEFAULT_MEMORY_RETENTION: MemoryEventRetention = { perThread: 10_000, perRun: 50_000, threads: 1_000 };

interface ThreadHistory {
  events: ThreadEvent[];
}

export class MemoryThreadEventLog implements ThreadEventLog {
  readonly batchDelayMs = 0;
  /** Insertion order is recency: a thread that appends moves to the end. */
  private histories = new Map<string, ThreadHistory>();
  private counters = new Map<string, number>();

  constructor(private readonly retention: MemoryEventRetention = DEFAULT_MEMORY_RETENTION) {}

  async append(threadId: string, runId: string, events: NewThreadEvent[]): Promise<void> {
    this.appendNow(threadId, runId, events);
  }

  appendNow(threadId: string, runId: string, events: NewThreadEvent[]): void {
    let history = this.histories.get(threadId);
    if (history) this.histories.delete(threadId);
    history ??= { events: [] };
    this.histories.set(threadId, history);
    let seq = this.counters.get(threadId) ?? 0;
    for (const e of events) history.events.push({ ...e, seq: ++seq, run_id: runId });
    this.counters.set(threadId, seq);
    this.trim(history, runId);
    while (this.histories.size > this.retention.threads) {
      const oldest = this.histories.keys().next().value as string;
      this.histories.delete(oldest);
    }
  }

  private trim(history: ThreadHistory, runId: string): void {
    const { perThread, perRun } = this.retention;
    if (history.events.length <= perThread) return;
    // Older runs first: the current run's whole stream is what late subscribers replay.
    const firstOfRun = history.events.findIndex((e) => e.run_id === runId);
    const olderCount = firstOfRun === -1 ? history.events.length : firstOfRun;
    const excess = history.events.length - perThread;
    const dropOlder = Math.min(olderCount, excess);
    if (dropOlder > 0) history.events.splice(0, dropOlder);
    const runEvents = history.events.length - (olderCount - dropOlder);
    if (runEvents > perRun) history.events.splice(0, history.events.length - perRun);
  }

  readNow(threadId: string, afterSeq: number, limit: number): ThreadEvent[] {
    const events = this.histories.get(threadId)?.events;
    if (!events || events.length === 0) return [];
    // seqs are contiguous within what is retained: index arithmetic, no search.
    const start = Math.max(0, afterSeq + 1 - events[0].seq);
    return events.slice(start, start + limit);
  }

  async read(threadId: string, afterSeq: number, limit: number): Promise<ThreadEvent[]> {
    return this.readNow(threadId, afterSeq, limit);
  }

  async position(threadId: string, runId?: string): Promise<{ last: number; runStart?: number }> {
    const last = this.counters.get(threadId) ?? 0;
    if (runId === undefined) return { last };
    const first = this.histories.get(threadId)?.events.find((e) => e.run_id === runId);
    return { last, runStart: first?.seq };
  }

  async prune(): Promise<void> {}

  async deleteThread(threadId: string): Promise<void> {
    this.histories.delete(threadId);
    this.counters.delete(threadId);
  }

  /** Events held, for tests of the bounds. */
  size(): number {
    let n = 0;
    for (const h of this.histories.values()) n += h.events.length;
    return n;
  }
}
