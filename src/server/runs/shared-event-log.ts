// Appends a run's stream events to the log several processes share, so a
// client of any process can follow a run executing in another.
import type { RunBus, StoredStreamEvent } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";

/** Events are written in batches: one INSERT per ~20 ms of streaming instead of one per event. */
const FLUSH_DELAY_MS = 20;

/** Notifies readers in this process at once after each batch (`notifyLocal`), those of others through the bus. */
export class SharedEventLog {
  private buffer: StoredStreamEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: RunBus,
    private readonly runId: string,
    private readonly notifyLocal: () => void,
    private readonly log: Logger,
  ) {}

  push(event: StoredStreamEvent): void {
    this.buffer.push(event);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(async () => {
        await this.bus.appendEvents(this.runId, batch);
        this.notifyLocal();
      })
      .catch((error: unknown) => this.log.warn("could not append run events", { run_id: this.runId, error: serializeError(error).message }));
    return this.flushing;
  }

  /**
   * The run ended: the events not written yet, for the store to write with
   * the run's end (one statement less per run); earlier batches are written first.
   */
  async takeRest(): Promise<StoredStreamEvent[]> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    const rest = this.buffer;
    this.buffer = [];
    return rest;
  }
}
