// The stream broker: fans a run's events out to SSE subscribers, push-based.
// Events are serialized once at publish time. Resumable runs keep their whole
// log so a late joiner can replay from any Last-Event-ID; other runs keep
// only events no reader has taken yet (each is delivered to one reader, as
// the reference server does). Logs are freed a while after the run ends.
export interface StreamEvent {
  id: number;
  event: string;
  /** JSON text of the data. */
  data: string;
}

class RunStream {
  events: StreamEvent[] = [];
  /** id of events[0] */
  base = 0;
  nextId = 0;
  done = false;
  waiters = new Set<() => void>();
  cleanupTimer?: NodeJS.Timeout;
  constructor(
    readonly resumable: boolean,
    /** A streaming request created the run and will read it from the start. */
    readonly awaited: boolean,
  ) {}

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

export interface SubscribeOptions {
  lastEventId?: string;
  signal?: AbortSignal;
}

export class StreamBroker {
  private streams = new Map<string, RunStream>();

  constructor(private readonly retentionMs = 60_000) {}

  open(runId: string, resumable: boolean, awaited = false): void {
    if (!this.streams.has(runId)) this.streams.set(runId, new RunStream(resumable, awaited));
  }

  has(runId: string): boolean {
    return this.streams.has(runId);
  }

  /** Whether someone reads this run's events as they come (a streaming request, or a joined reader). */
  hasReaders(runId: string): boolean {
    const stream = this.streams.get(runId);
    return stream !== undefined && (stream.awaited || stream.waiters.size > 0);
  }

  publish(runId: string, event: string, data: string): void {
    const stream = this.streams.get(runId);
    if (!stream || stream.done) return;
    stream.events.push({ id: stream.nextId++, event, data });
    stream.notify();
  }

  end(runId: string): void {
    const stream = this.streams.get(runId);
    if (!stream || stream.done) return;
    stream.done = true;
    stream.notify();
    stream.cleanupTimer = setTimeout(() => this.streams.delete(runId), this.retentionMs);
    stream.cleanupTimer.unref();
  }

  drop(runId: string): void {
    const stream = this.streams.get(runId);
    if (!stream) return;
    clearTimeout(stream.cleanupTimer);
    stream.done = true;
    stream.notify();
    this.streams.delete(runId);
  }

  size(): number {
    return this.streams.size;
  }

  /** Yields events until the run ends (or the signal aborts). Unknown runs end at once. */
  async *subscribe(runId: string, options: SubscribeOptions = {}): AsyncGenerator<StreamEvent> {
    const stream = this.streams.get(runId);
    if (!stream) return;
    let cursor: number;
    if (stream.resumable) {
      const last = options.lastEventId !== undefined ? Number(options.lastEventId) : NaN;
      // No (or a bad) Last-Event-ID on a resumable run: only what comes next.
      cursor = Number.isFinite(last) ? Math.max(last + 1, 0) : stream.nextId;
      if (!Number.isFinite(last) && stream.done) cursor = stream.base;
    } else {
      cursor = -1; // take the oldest untaken event each time
    }
    while (!options.signal?.aborted) {
      let next: StreamEvent | undefined;
      if (stream.resumable) {
        const index = cursor - stream.base;
        if (index >= 0 && index < stream.events.length) {
          next = stream.events[index];
          cursor += 1;
        }
      } else if (stream.events.length > 0) {
        next = stream.events.shift();
        stream.base += 1;
      }
      if (next) {
        yield next;
        continue;
      }
      if (stream.done) return;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        stream.waiters.add(() => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve();
        });
        options.signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }
}
