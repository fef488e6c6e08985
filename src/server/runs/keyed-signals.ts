// One-shot wake-ups keyed by run id. A reader parks until its key is
// notified, its signal aborts, or `ms` passes: notifications that cross
// processes are not durable, so every wait is also a poll.
export class KeyedSignals {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Wakes every reader parked on `key`. */
  notify(key: string): void {
    const readers = this.waiting.get(key);
    if (!readers) return;
    this.waiting.delete(key);
    for (const wake of readers) wake();
  }

  /** Resolves on the next notify of `key`, after `ms`, or when `signal` aborts, whichever is first. */
  wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const readers = this.waiting.get(key) ?? new Set();
      this.waiting.set(key, readers);
      const done = () => {
        clearTimeout(timer);
        readers.delete(done);
        if (readers.size === 0 && this.waiting.get(key) === readers) this.waiting.delete(key);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      readers.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** How many keys have a reader parked (tests check nothing leaks). */
  get size(): number {
    return this.waiting.size;
  }
}
