// Recording a run's end: the thread's new state and status, then the run's
// status (one write), retried while the database is away; and what a thread
// becomes when one of its runs ends or is cancelled.
import type { NewThreadEvent, Persistence, Run, StoredStreamEvent, ThreadStatus, ThreadUpdate } from "../persistence/types.ts";
import type { CompiledGraph, GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";
import { toRunStatus, type ExecutionResult } from "./executor.ts";
import { computeThreadFromState } from "../threads/thread-state.ts";
import { flushRunWrites } from "../persistence/instrumented-saver.ts";
import { purgeRun } from "./run-purge.ts";
import { callWebhook } from "./run-webhook.ts";

export interface RunSettlementOptions {
  persistence: Persistence;
  registry: GraphRegistry;
  log: Logger;
  /** Where clients reach this server (relative webhooks resolve against it); known once it listens. */
  publicUrl: () => string | undefined;
  /** Aborts when the server stops: retries give up (the next boot settles the run). */
  stopping: AbortSignal;
}

/** What a run leaves to be written with its end, in the end's own statement where the store can. */
export interface RunEnding {
  /** Its stream events not yet in the shared log. */
  runEvents?: StoredStreamEvent[];
  /** The protocol recorder's last events, once the thread's new state is known. */
  threadEvents?: (thread: ThreadUpdate | undefined) => Promise<NewThreadEvent[]>;
  /** Set when finish() wrote threadEvents' events. */
  threadEventsWritten?: boolean;
}

/** Streams of the run end only once its end is recorded: retry often enough to end them soon after the database is back. */
const MAX_RETRY_DELAY_MS = 2_000;

export class RunSettlement {
  constructor(private readonly options: RunSettlementOptions) {}

  /**
   * The database may be down when a run ends (it may be why the run ended):
   * keep the outcome and retry with back-off, so the run is recorded once the
   * database is back instead of staying "running". Gives up only on shutdown.
   */
  async settleWithRetry(run: Run, result: ExecutionResult, graph?: CompiledGraph, ending?: RunEnding): Promise<ThreadUpdate | undefined> {
    for (let attempt = 0, delay = 250; ; attempt++, delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        return await this.settle(run, result, graph, ending);
      } catch (error) {
        this.options.log.error("could not record the end of a run; retrying", { run_id: run.run_id, attempt, error: serializeError(error).message });
        if (this.options.stopping.aborted) return undefined;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Writes the run's end to the thread and the run together, so the next run
   * sees a settled thread; what `ending` holds in the same commit.
   */
  async settle(run: Run, result: ExecutionResult, graph?: CompiledGraph, ending: RunEnding = {}): Promise<ThreadUpdate | undefined> {
    const { persistence, log } = this.options;
    const { metadata } = persistence;
    const threadId = run.thread_id;
    if (result.outcome === "rollback") {
      // Purged with its events: the last ones need not be written.
      await purgeRun(persistence, threadId, run.run_id);
      await this.recomputeThread(threadId, run, undefined);
      return undefined;
    }
    // The checkpointer may still hold the run's last writes (an interrupt, an
    // error): written before the end's commit, which makes them durable.
    await flushRunWrites(persistence.checkpointer, run.run_id);
    if (run.kwargs.temporary) {
      await metadata.runs.finish(run.run_id, toRunStatus(result.outcome), undefined, { run: ending.runEvents });
      await metadata.threads.delete(threadId);
      return undefined;
    }
    let update: ThreadUpdate | undefined;
    try {
      // finish() itself keeps the thread busy if another run is queued: no read of the thread's runs.
      update = await this.threadUpdateAfter(threadId, run, result, { countOthers: false, executed: graph });
    } catch (error) {
      // The run still ends: a thread whose state cannot be read is marked error.
      log.error("could not read the thread's state after a run", { run_id: run.run_id, error: serializeError(error).message });
      update = { status: "error", error: { error: "StateError", message: `The thread's state cannot be read: ${serializeError(error).message}` } };
    }
    const threadEvents = update && ending.threadEvents && metadata.runs.finishWritesThreadEvents?.() ? await ending.threadEvents(update) : undefined;
    await metadata.runs.finish(run.run_id, toRunStatus(result.outcome), update ? { threadId, update } : undefined, {
      run: ending.runEvents,
      thread: threadEvents,
    });
    if (threadEvents) ending.threadEventsWritten = true;
    if (run.kwargs.webhook) void callWebhook(persistence, log, this.options.publicUrl(), run, result);
    return update;
  }

  /** Brings the thread's values and status up to date after `run` ended (or was cancelled before it ran). */
  async recomputeThread(threadId: string, run: Run | undefined, result: ExecutionResult | undefined): Promise<void> {
    const update = await this.threadUpdateAfter(threadId, run, result);
    if (update) await this.options.persistence.metadata.threads.update(threadId, update);
  }

  /** What a thread becomes once `run` ended with `result` (undefined if the thread is gone). */
  private async threadUpdateAfter(
    threadId: string,
    run: Run | undefined,
    result: ExecutionResult | undefined,
    /**
     * countOthers: read the thread's other runs in flight to keep it busy (finish() does it itself).
     * executed: the graph the run executed, so the thread need not be read to build it
     * (a thread deleted meanwhile is then left alone by finish()).
     */
    how: { countOthers?: boolean; executed?: CompiledGraph } = {},
  ): Promise<ThreadUpdate | undefined> {
    const { persistence, registry } = this.options;
    const { metadata } = persistence;
    let graph = how.executed;
    if (!graph) {
      const thread = await metadata.threads.get(threadId);
      if (!thread) return undefined;
      const graphId = (thread.metadata.graph_id as string | undefined) ?? (run?.kwargs.config.configurable?.graph_id as string | undefined);
      if (graphId && registry.has(graphId)) graph = await registry.get(graphId, thread.config);
    }
    let update: ThreadUpdate = {};
    let hasNext = false;
    if (graph) {
      if (run && result && endedWithoutPause(graph, run, result)) {
        // The stream's last values are the state: no checkpoint read needed.
        update = { values: result.lastValues as Record<string, unknown>, interrupts: {} };
      } else {
        const state = await graph.getState({ configurable: { thread_id: threadId } });
        const computed = computeThreadFromState(state);
        hasNext = computed.hasNext;
        update = { values: computed.values, interrupts: computed.interrupts };
      }
    }
    const others = how.countOthers === false ? [] : (await metadata.runs.active(threadId)).filter((r) => r.run_id !== run?.run_id);
    const failed = result?.outcome === "error" || result?.outcome === "timeout";
    let status: ThreadStatus = "idle";
    if (failed) status = "error";
    else if (hasNext) status = "interrupted";
    else if (others.length > 0) status = "busy";
    return { ...update, status, error: failed ? serializeError(result.error) : undefined };
  }
}

const sameList = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const noNodes = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

/**
 * True when a run surely ended at END with its last `values` event equal to
 * the thread's state: it succeeded, nothing paused it (no interrupt in the
 * last values, no interrupt_before/after), and the graph streams every state
 * channel as its values (no narrower output schema).
 */
function endedWithoutPause(graph: CompiledGraph, run: Run, result: ExecutionResult): boolean {
  const last = result.lastValues;
  if (result.outcome !== "success" || last === null || typeof last !== "object" || Array.isArray(last)) return false;
  if ("__interrupt__" in last) return false;
  if (!noNodes(run.kwargs.interrupt_before) || !noNodes(run.kwargs.interrupt_after)) return false;
  if (!noNodes(graph.interruptBefore) || !noNodes(graph.interruptAfter)) return false;
  return sameList(graph.outputChannels, graph.streamChannelsAsIs);
}
