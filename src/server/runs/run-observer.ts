// What the run engine tells an observer about each run it executes: the
// streaming protocol's recorder is one (src/server/protocol/recorder.ts).
// The engine knows nothing of the protocol beyond this.
import type { NewThreadEvent, Run, ThreadUpdate } from "../persistence/types.ts";
import type { ExecutionResult } from "./executor.ts";

/** One event of the run as the streaming protocol names it (method, namespace). */
export interface ProtocolSourceEvent {
  method: string;
  namespace: string[];
  node?: string;
  data: unknown;
  /** `data` already serialized, when the executor has it (saves a second stringify). */
  dataJson?: string;
}

export interface RunObservation {
  /** Called for every protocol-shaped event, in order. */
  event(e: ProtocolSourceEvent): void;
  /**
   * The run ended: its terminal event and every event not yet written, for
   * the store to write with the run's end (runs.finish). Once; later calls
   * answer the same events.
   */
  closing(result: ExecutionResult, thread: ThreadUpdate | undefined): Promise<NewThreadEvent[]>;
  /**
   * After the run's end is recorded (`thread`: what the thread became, if
   * known). `writtenByStore`: the events `closing` gave were written with it.
   */
  end(result: ExecutionResult, thread: ThreadUpdate | undefined, writtenByStore?: boolean): Promise<void>;
}

export interface RunObserver {
  /** Called as the run starts executing here; undefined: not observed. */
  begin(run: Run, graphId: string): RunObservation | undefined;
  /** A pending run that ends without executing (cancelled, rolled back). */
  discarded(run: Run): Promise<void>;
}
