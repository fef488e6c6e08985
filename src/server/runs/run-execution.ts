// Executing one claimed run to its end: its abort controller and timeout,
// its stream (local broker and, with a shared backend, the shared log), the
// graph, the observer (the streaming protocol's recorder), settlement, and
// releasing whoever waits for it.
import type { Run, RunBus, StoredStreamEvent } from "../persistence/types.ts";
import type { CompiledGraph, GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";
import { executeRun, TimeoutAbort, type ExecutionResult } from "./executor.ts";
import type { RunObserver } from "./run-observer.ts";
import type { RunningRuns } from "./running-runs.ts";
import type { RunEnding, RunSettlement } from "./run-settlement.ts";
import type { RunStreams } from "./run-streams.ts";
import type { RunEnded } from "./run-waiters.ts";

export interface RunExecutionOptions {
  registry: GraphRegistry;
  log: Logger;
  bus?: RunBus;
  running: RunningRuns;
  streams: RunStreams;
  settlement: RunSettlement;
  /** Set after construction (the protocol service installs its recorder). */
  observer: () => RunObserver | undefined;
  /** The run ended here: close its stream, resolve its waiters. */
  release: (runId: string, ended: RunEnded) => void;
  runTimeoutSeconds?: number;
  /** True when the store's finish() announces the run's end to other processes itself. */
  finishNotifies?: () => boolean;
}

export class RunExecution {
  constructor(private readonly options: RunExecutionOptions) {}

  async execute(run: Run): Promise<void> {
    const { running, streams, bus, log } = this.options;
    const controller = running.add(run);
    const timeout = this.options.runTimeoutSeconds
      ? setTimeout(() => controller.abort(new TimeoutAbort()), this.options.runTimeoutSeconds * 1000)
      : undefined;
    streams.started(run.run_id, run.kwargs.resumable);
    const sharedLog = streams.openLog(run.run_id);
    let seq = 0;
    const publish = (event: string, data: string) => {
      streams.broker.publish(run.run_id, event, data);
      sharedLog?.push({ id: seq++, event, data });
    };
    const graphId = run.kwargs.config.configurable?.graph_id as string;
    const observation = run.kwargs.temporary ? undefined : this.options.observer()?.begin(run, graphId);
    let result: ExecutionResult;
    let graph: CompiledGraph | undefined;
    let lastEvents: StoredStreamEvent[] | undefined;
    try {
      graph = await this.options.registry.get(graphId, run.kwargs.config, { temporary: run.kwargs.temporary });
      // A reader is waiting: let the first event leave before the graph
      // starts. Node flushes response writes on process.nextTick, which does
      // not run until the microtask queue drains, and a graph whose awaits
      // all resolve at once (memory checkpointer, no I/O) is one long
      // microtask chain: its first event would leave with its last.
      // Protocol runs are followed through the thread's log: assume a reader.
      const started = () =>
        streams.broker.hasReaders(run.run_id) || run.kwargs.protocol === true ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined;
      result = await executeRun(run, graph, publish, controller.signal, started, observation ? (e) => observation.event(e) : undefined);
    } catch (error) {
      result = { outcome: "error", error };
    } finally {
      clearTimeout(timeout);
      // Written with the run's end (one commit): readers that see the end find every event.
      lastEvents = await sharedLog?.takeRest();
    }
    try {
      const ending: RunEnding = {
        runEvents: lastEvents,
        threadEvents: observation ? (update) => observation.closing(result, update) : undefined,
      };
      const thread = await this.options.settlement.settleWithRetry(run, result, graph, ending);
      // Before this worker claims the thread's next run: its events follow these.
      await observation
        ?.end(result, thread, ending.threadEventsWritten === true)
        .catch((error: unknown) =>
          log.warn("could not record the run's end on its thread stream", { run_id: run.run_id, error: serializeError(error).message }),
        );
    } finally {
      running.remove(run.run_id);
      this.options.release(run.run_id, { run, result });
      // A store whose finish() notifies has told the other processes in the run's end commit
      // (a rolled-back run is purged, not finished: it is announced here).
      if (!this.options.finishNotifies?.() || result.outcome === "rollback") {
        void bus?.publish({ type: "run_ended", run_id: run.run_id, thread_id: run.thread_id }).catch(() => undefined);
      }
    }
  }
}
