// Appends a run's stream events to the log several processes share, so a
// client of any process can follow a run executing in another.
import type { RunBus, StoredStreamEvent } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";
import { WriteBatch } from "./write-batch.ts";

/** Events are written in batches: one INSERT per ~20 ms of streaming instead of one per event. */
const FLUSH_DELAY_MS = 20;

/** Notifies readers in this process at once after each batch (`notifyLocal`), those of others through the bus. */
export class SharedEventLog {
  private readonly batch: WriteBatch<StoredStreamEvent>;

  constructor(bus: RunBus, runId: string, notifyLocal: () => void, log: Logger) {
    this.batch = new WriteBatch(
      async (events) => {
        await bus.appendEvents(runId, events);
        notifyLocal();
      },
      FLUSH_DELAY_MS,
      (error) => log.warn("could not append run events", { run_id: runId, error: serializeError(error).message }),
    );
  }

  push(event: StoredStreamEvent): void {
    this.batch.push(event);
  }

  /**
   * The run ended: the events not written yet, for the store to write with
   * the run's end (one statement less per run); earlier batches are written first.
   */
  takeRest(): Promise<StoredStreamEvent[]> {
    return this.batch.takeRest();
  }
}
