// A run's stream for a client of this process: from the local broker when
// the run executes (or ended) here or no backend is shared, else from the
// shared event log, whichever process runs it.
import type { Persistence, RunBus } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { StreamBroker, type StreamEvent, type SubscribeOptions } from "./stream-broker.ts";
import { KeyedSignals } from "./keyed-signals.ts";
import { SharedEventLog } from "./shared-event-log.ts";
import { throughOutage } from "./through-outage.ts";

/** Rows read from the shared log per query while catching up. */
const LOG_PAGE = 500;

export interface RunStreamsOptions {
  persistence: Persistence;
  /** Set when several processes share the backend. */
  bus?: RunBus;
  log: Logger;
  /** How often a reader looks again when no notification came (they are not durable). */
  pollMs: number;
  /** True when the broker of this process holds the run's events (it executes, or ended, here). */
  isLocal: (runId: string) => boolean;
}

export class RunStreams {
  readonly broker = new StreamBroker();
  /** Subscribers waiting to learn whether a pending run starts here. */
  private readonly claimed = new KeyedSignals();
  /** Readers of the shared event log, woken when a run's log grows. */
  private readonly logGrew = new KeyedSignals();

  constructor(private readonly options: RunStreamsOptions) {}

  /** The run starts here: its stream opens, and readers waiting for it to be claimed look again. */
  started(runId: string, resumable: boolean): void {
    this.broker.open(runId, resumable);
    this.claimed.notify(runId);
  }

  /** The run ended, or will never run: its local stream closes and parked readers look again. */
  ended(runId: string): void {
    this.broker.end(runId);
    this.claimed.notify(runId);
  }

  /** The run's shared log grew (here or, through the bus, in another process). */
  logGrown(runId: string): void {
    this.logGrew.notify(runId);
  }

  /** Where a run executing here writes its events for other processes (none without a shared backend). */
  openLog(runId: string): SharedEventLog | undefined {
    const { bus, log } = this.options;
    return bus ? new SharedEventLog(bus, runId, () => this.logGrown(runId), log) : undefined;
  }

  async *subscribe(runId: string, options: SubscribeOptions = {}): AsyncGenerator<StreamEvent> {
    const { bus, persistence, isLocal, pollMs } = this.options;
    if (!bus) {
      yield* this.broker.subscribe(runId, options);
      return;
    }
    // A stateless run that ended here took its record with its thread, so
    // the lookup below would find nothing: the local broker answers first.
    for (;;) {
      if (options.signal?.aborted) return;
      if (isLocal(runId)) {
        yield* this.broker.subscribe(runId, options);
        return;
      }
      const run = await throughOutage(() => persistence.metadata.runs.get(runId), options.signal);
      if (isLocal(runId)) continue;
      if (!run) return;
      if (run.status !== "pending") {
        yield* this.readLog(bus, runId, options);
        return;
      }
      await this.claimed.wait(runId, pollMs, options.signal);
    }
  }

  private async *readLog(bus: RunBus, runId: string, options: SubscribeOptions): AsyncGenerator<StreamEvent> {
    const { persistence, pollMs } = this.options;
    const given = options.lastEventId !== undefined ? Number(options.lastEventId) : NaN;
    let after = Number.isFinite(given) ? given : -1;
    while (!options.signal?.aborted) {
      const batch = await throughOutage(() => bus.readEvents(runId, after, LOG_PAGE), options.signal);
      for (const e of batch) {
        after = e.id;
        yield e;
      }
      if (batch.length === LOG_PAGE) continue;
      const run = await throughOutage(() => persistence.metadata.runs.get(runId), options.signal);
      if (!run || (run.status !== "pending" && run.status !== "running")) {
        // The owner flushes its log before it records the end: one last read.
        const rest = await throughOutage(() => bus.readEvents(runId, after, 100_000), options.signal);
        for (const e of rest) yield e;
        return;
      }
      await this.logGrew.wait(runId, pollMs, options.signal);
    }
  }
}
