// Who follows which thread's event log in this process, and waking them when
// it grows: here (the recorder appended) or in another process (the bus).
// Each follower holds a lease; the leases are the open-stream registry.
import type { RunBus } from "../persistence/types.ts";

interface Watch {
  version: number;
  leases: number;
  waiters: Set<() => void>;
}

export interface ThreadLease {
  /** Changes whenever the thread's log may have grown. */
  version(): number;
  /** Resolves when the version moves past `seen`, after `ms`, or on abort. */
  wait(seen: number, ms: number, signal?: AbortSignal): Promise<void>;
  release(): void;
}

export class ThreadHub {
  private watches = new Map<string, Watch>();
  private unsubscribe?: () => void;
  /** Set on shutdown: followers end, so their streams close cleanly. */
  closed = false;

  constructor(bus?: RunBus) {
    this.unsubscribe = bus?.subscribe((m) => {
      if (m.type === "thread_events" || (m.type === "run_ended" && m.thread_events === true)) this.notify(m.thread_id);
    });
  }

  notify(threadId: string): void {
    const watch = this.watches.get(threadId);
    if (!watch) return;
    watch.version += 1;
    const waiters = [...watch.waiters];
    watch.waiters.clear();
    for (const w of waiters) w();
  }

  lease(threadId: string): ThreadLease {
    let watch = this.watches.get(threadId);
    if (!watch) {
      watch = { version: 0, leases: 0, waiters: new Set() };
      this.watches.set(threadId, watch);
    }
    watch.leases += 1;
    const w = watch;
    let released = false;
    return {
      version: () => w.version,
      wait: (seen, ms, signal) =>
        new Promise<void>((resolve) => {
          if (w.version !== seen || signal?.aborted || this.closed) return resolve();
          const done = () => {
            clearTimeout(timer);
            w.waiters.delete(done);
            signal?.removeEventListener("abort", done);
            resolve();
          };
          const timer = setTimeout(done, ms);
          timer.unref();
          w.waiters.add(done);
          signal?.addEventListener("abort", done, { once: true });
        }),
      release: () => {
        if (released) return;
        released = true;
        w.leases -= 1;
        if (w.leases === 0 && this.watches.get(threadId) === w) this.watches.delete(threadId);
      },
    };
  }

  /** Open streams (SSE connections and WebSocket sessions) across threads. */
  openStreams(): number {
    let n = 0;
    for (const w of this.watches.values()) n += w.leases;
    return n;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    for (const id of [...this.watches.keys()]) this.notify(id);
  }
}
