// Records every thread run this process executes on its thread's event log,
// in the protocol's terms: a root `running` lifecycle first, the run's events
// (interrupts split out of values and updates into `input.requested`, named
// custom streams as `custom` with a name, core's own root lifecycle dropped),
// and exactly one root terminal (`completed`, `failed` or `interrupted`)
// once the run's end is written, without which useStream never stops loading.
import { inferChannel } from "@langchain/langgraph/stream";
import type { NewThreadEvent, Run, ThreadEventLog, ThreadUpdate } from "../persistence/types.ts";
import type { ExecutionResult } from "../runs/executor.ts";
import type { ProtocolSourceEvent, RunObservation, RunObserver } from "../runs/run-observer.ts";
import { serializeError, serializeJson } from "../serialize.ts";
import type { Logger } from "../logger.ts";
import type { ThreadHub } from "./thread-hub.ts";
import { WriteBatch } from "../runs/write-batch.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const KNOWN_METHODS = new Set(["values", "updates", "messages", "tools", "lifecycle", "input.requested", "checkpoints", "tasks", "custom"]);

export class ProtocolRecorder implements RunObserver {
  constructor(
    private readonly log: ThreadEventLog,
    private readonly hub: ThreadHub,
    private readonly logger: Logger,
  ) {}

  begin(run: Run, graphId: string): RunObservation {
    return new RunRecording(this.log, this.hub, this.logger, run, graphId);
  }

  /** A client waiting on a queued run that never ran still gets its terminal event. */
  async discarded(run: Run): Promise<void> {
    if (run.kwargs.temporary) return;
    const data = { event: "interrupted", cause: { type: "cancelled" }, graph_name: run.kwargs.config.configurable?.graph_id, run_id: run.run_id };
    const params = `{"namespace":[],"timestamp":${Date.now()},"data":${serializeJson(data)}}`;
    await this.log.append(run.thread_id, run.run_id, [{ method: "lifecycle", channel: "lifecycle", namespace: [], params }]);
    this.hub.notify(run.thread_id);
  }
}

class RunRecording implements RunObservation {
  private readonly batch: WriteBatch<NewThreadEvent>;
  private requested = new Set<string>();
  /** What closing() took: the run's last events, its terminal included. */
  private last?: Promise<NewThreadEvent[]>;

  constructor(
    log: ThreadEventLog,
    private readonly hub: ThreadHub,
    logger: Logger,
    private readonly run: Run,
    graphId: string,
  ) {
    const { thread_id: threadId, run_id: runId } = run;
    this.batch = new WriteBatch(
      async (events) => {
        await log.append(threadId, runId, events);
        hub.notify(threadId);
      },
      log.batchDelayMs,
      (error) => logger.warn("could not append protocol events", { run_id: runId, error: serializeError(error).message }),
    );
    this.push("lifecycle", [], undefined, { event: "running", graph_name: graphId, run_id: run.run_id });
  }

  event(e: ProtocolSourceEvent): void {
    const { namespace, node } = e;
    let { method, data } = e;
    if (method === "lifecycle" && namespace.length === 0) return; // ours, from the run's status
    if (method === "values" && isObject(data)) {
      if ("__interrupt__" in data) {
        const { __interrupt__: interrupts, ...rest } = data;
        this.inputRequested(namespace, interrupts);
        if (Object.keys(rest).length === 0) return;
        this.push("values", namespace, undefined, rest);
        return;
      }
      if (Object.keys(data).length === 0) return;
    }
    if (method === "updates" && node === "__interrupt__") {
      this.inputRequested(namespace, isObject(data) && "values" in data ? data.values : data);
      return;
    }
    if (method.startsWith("custom:")) {
      data = { name: method.slice("custom:".length), payload: data };
      method = "custom";
    } else if (!KNOWN_METHODS.has(method)) {
      // A stream transformer's own channel: a named custom stream to clients.
      data = { name: method, payload: data };
      method = "custom";
    }
    this.push(method, namespace, node, data, e.dataJson);
  }

  private inputRequested(namespace: string[], interrupts: unknown): void {
    for (const i of Array.isArray(interrupts) ? interrupts : [interrupts]) {
      if (!isObject(i)) continue;
      const id = typeof i.id === "string" ? i.id : undefined;
      if (id !== undefined && this.requested.has(id)) continue;
      if (id !== undefined) this.requested.add(id);
      this.push("input.requested", namespace, undefined, { interrupt_id: id ?? "", payload: i.value });
    }
  }

  closing(result: ExecutionResult, thread: ThreadUpdate | undefined): Promise<NewThreadEvent[]> {
    this.last ??= this.takeLast(result, thread);
    return this.last;
  }

  private async takeLast(result: ExecutionResult, thread: ThreadUpdate | undefined): Promise<NewThreadEvent[]> {
    const terminal = this.record("lifecycle", [], undefined, this.terminal(result, thread));
    // Earlier batches are written before the store writes these.
    return this.batch.takeRest(...(terminal ? [terminal] : []));
  }

  async end(result: ExecutionResult, thread: ThreadUpdate | undefined, writtenByStore = false): Promise<void> {
    if (this.last === undefined) {
      this.push("lifecycle", [], undefined, this.terminal(result, thread));
      await this.batch.flush();
      return;
    }
    const rest = await this.last;
    if (writtenByStore) {
      this.hub.notify(this.run.thread_id);
      return;
    }
    // The store did not write them (it gave up, or cannot): as any batch.
    this.batch.push(...rest);
    await this.batch.flush();
  }

  /** The root terminal lifecycle event's data: completed, interrupted or failed. */
  private terminal(result: ExecutionResult, thread: ThreadUpdate | undefined): Record<string, unknown> {
    let data: Record<string, unknown>;
    if (result.outcome === "error" || result.outcome === "timeout") {
      data = { event: "failed", error: serializeError(result.error).message };
    } else if (result.outcome === "success") {
      const paused =
        this.requested.size > 0 || thread?.status === "interrupted" || Object.values(thread?.interrupts ?? {}).some((list) => list.length > 0);
      data = { event: paused ? "interrupted" : "completed" };
    } else {
      // Cancelled (interrupt, rollback): the run stopped where it was.
      data = { event: "interrupted", cause: { type: "cancelled" } };
    }
    return { ...data, graph_name: this.run.kwargs.config.configurable?.graph_id, run_id: this.run.run_id };
  }

  /** An event in the log's terms (undefined: no channel carries it). */
  private record(method: string, namespace: string[], node: string | undefined, data: unknown, dataJson?: string): NewThreadEvent | undefined {
    const channel = inferChannel({ method, params: { namespace, data } });
    if (channel === undefined) return undefined;
    const params = `{"namespace":${JSON.stringify(namespace)},"timestamp":${Date.now()}${node ? `,"node":${JSON.stringify(node)}` : ""},"data":${dataJson ?? serializeJson(data)}}`;
    return { method, channel, namespace, params };
  }

  private push(method: string, namespace: string[], node: string | undefined, data: unknown, dataJson?: string): void {
    const recorded = this.record(method, namespace, node, data, dataJson);
    if (!recorded) return;
    this.batch.push(recorded);
  }
}
