// Events written in batches, in order: one write per `delayMs` of streaming
// instead of one per event, each batch after the one before. A run's shared
// stream log and its protocol recording both write this way, and both hand
// what is left at the run's end to the statement that ends it (takeRest).

export class WriteBatch<T> {
  private buffer: T[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  /**
   * `write` sends one batch; a failed write is reported to `onError` and the
   * batches after it still go. With `delayMs` 0, every push is written at once.
   */
  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(...items: T[]): void {
    this.buffer.push(...items);
    if (this.delayMs === 0) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes what is buffered; resolves once every batch so far is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch)).catch(this.onError);
    return this.flushing;
  }

  /**
   * What is not written yet, `last` appended, for another statement to write:
   * taken once the batches already under way are written, so it follows them.
   */
  async takeRest(...last: T[]): Promise<T[]> {
    this.buffer.push(...last);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    const rest = this.buffer;
    this.buffer = [];
    return rest;
  }
}
