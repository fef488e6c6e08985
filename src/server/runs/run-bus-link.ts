// The engine's messages to and from other processes on a shared backend
// (persistence.bus): a run was created, a run ended, a run must be
// cancelled, a run's shared log grew. Not durable: whoever waits also polls.
import type { BusMessage, RunBus } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";
import type { CancelAction } from "./executor.ts";

export interface RunBusHandlers {
  /** A run was created elsewhere and its workers are busy. */
  created(): void;
  /** A run ended elsewhere (or was settled by a reaper). */
  ended(runId: string): void;
  /** A run executing here must stop. */
  cancel(runId: string, action: CancelAction): void;
  /** A run's shared event log grew. */
  logGrew(runId: string): void;
}

export class RunBusLink {
  private readonly unsubscribe?: () => void;

  constructor(
    private readonly bus: RunBus | undefined,
    private readonly log: Logger,
    handlers: RunBusHandlers,
  ) {
    this.unsubscribe = bus?.subscribe((message) => dispatch(message, handlers));
  }

  /** Tells idle workers of other processes that a run is waiting. */
  announceCreated(): void {
    void this.bus
      ?.publish({ type: "run_created" })
      .catch((error: unknown) => this.log.warn("bus publish failed", { error: serializeError(error).message }));
  }

  /** Asks the process running a run elsewhere to abort it. False when there is no other process. */
  async requestCancel(runId: string, action: CancelAction): Promise<boolean> {
    if (!this.bus) return false;
    await this.bus.publish({ type: "cancel", run_id: runId, action });
    return true;
  }

  close(): void {
    this.unsubscribe?.();
  }
}

function dispatch(message: BusMessage, handlers: RunBusHandlers): void {
  switch (message.type) {
    case "run_created":
      return handlers.created();
    case "run_ended":
      return handlers.ended(message.run_id);
    case "cancel":
      return handlers.cancel(message.run_id, message.action);
    case "events":
      return handlers.logGrew(message.run_id);
  }
}
