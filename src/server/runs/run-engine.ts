// The run engine: a pool of workers that claim pending runs (one at a time
// per thread), execute them, write statuses to the run and its thread, and
// wake waiters. Push-based: creating a run wakes a worker at once; the only
// timer is for runs scheduled with after_seconds.
import { randomUUID } from "node:crypto";
import type { Persistence, Run, ThreadStatus } from "../persistence/types.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logger.ts";
import { StreamBroker } from "./stream-broker.ts";
import { executeRun, TimeoutAbort, type CancelAction, type ExecutionResult } from "./executor.ts";
import { serializeError } from "../serialize.ts";
import { computeThreadFromState } from "./thread-state.ts";

export interface RunEnded {
  run: Run;
  result: ExecutionResult;
}

export class RunEngine {
  readonly workerId = randomUUID();
  readonly broker = new StreamBroker();
  private controllers = new Map<string, AbortController>();
  private waiters = new Map<string, Array<(ended: RunEnded | undefined) => void>>();
  private sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  private wakePending = false;
  private dueTimer?: NodeJS.Timeout;
  private reaper?: NodeJS.Timeout;
  private active = 0;
  /** Ended runs' results, briefly, so a join that races the end still gets them. */
  private recent = new Map<string, RunEnded>();

  constructor(
    private readonly persistence: Persistence,
    private readonly registry: GraphRegistry,
    private readonly log: Logger,
    private readonly options: { workers: number; runTimeoutSeconds?: number; reaperIntervalMs?: number },
  ) {}

  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.loops.push(this.loop());
    // Runs left running by a process that died while we were up (several
    // processes on one database) are settled by whichever process notices.
    this.reaper = setInterval(() => void this.reap(), this.options.reaperIntervalMs ?? 30_000);
    this.reaper.unref();
  }

  private async reap(): Promise<void> {
    try {
      const settled = await this.persistence.metadata.runs.settleOrphaned("server stopped while the run was in progress");
      for (const run of settled) this.release(run.run_id);
      if (settled.length) {
        this.log.warn("settled runs of a process that stopped", { runs: settled.map((r) => r.run_id) });
        this.wake();
      }
    } catch (error) {
      this.log.warn("reaper failed", { error: serializeError(error).message });
    }
  }

  /** Stops claiming, cancels nothing: in-flight runs finish (drain) unless the grace period ends. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.dueTimer);
    clearInterval(this.reaper);
    this.wake();
    const drained = Promise.all(this.loops);
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
    if ((await Promise.race([drained, timer])) === "timeout") {
      for (const controller of this.controllers.values()) controller.abort("interrupt");
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
  }

  /**
   * Wakes one idle worker (all of them when stopping). A worker that claims a
   * run wakes the next, so a burst of runs fans out without a thundering herd.
   */
  wake(): void {
    if (this.stopped) {
      const sleepers = [...this.sleepers];
      this.sleepers.clear();
      for (const s of sleepers) s();
      return;
    }
    const first = this.sleepers.values().next();
    if (first.done) {
      // Nobody asleep: the next worker about to sleep checks again instead.
      this.wakePending = true;
      return;
    }
    this.sleepers.delete(first.value);
    first.value();
  }

  isRunningHere(runId: string): boolean {
    return this.controllers.has(runId);
  }

  runningCount(): number {
    return this.active;
  }

  /** Resolves when the run ends (undefined if it was deleted before it ended). */
  waitFor(runId: string): Promise<RunEnded | undefined> {
    const ended = this.recent.get(runId);
    if (ended) return Promise.resolve(ended);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Aborts a run executing in this process. Returns false if it is not here. */
  abort(runId: string, action: CancelAction): boolean {
    const controller = this.controllers.get(runId);
    if (!controller) return false;
    controller.abort(action);
    return true;
  }

  /** A pending run that will never execute (cancelled or deleted): release its waiters. */
  release(runId: string, ended?: RunEnded): void {
    this.broker.end(runId);
    if (ended) {
      this.recent.set(runId, ended);
      setTimeout(() => this.recent.delete(runId), 30_000).unref();
    }
    const list = this.waiters.get(runId);
    this.waiters.delete(runId);
    for (const w of list ?? []) w(ended);
  }

  private async sleep(): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return;
    }
    await new Promise<void>((resolve) => this.sleepers.add(resolve));
  }

  private async scheduleDue(): Promise<void> {
    const due = await this.persistence.metadata.runs.nextDueAt();
    if (!due) return;
    const delay = Math.max(0, due.getTime() - Date.now());
    if (delay === 0) return;
    clearTimeout(this.dueTimer);
    this.dueTimer = setTimeout(() => this.wake(), delay + 5);
    this.dueTimer.unref();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let run: Run | undefined;
      try {
        run = await this.persistence.metadata.runs.claimNext(this.workerId);
      } catch (error) {
        this.log.error("could not claim a run", { error: serializeError(error).message });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (!run) {
        await this.scheduleDue();
        if (this.stopped) return;
        await this.sleep();
        continue;
      }
      this.wake();
      await this.execute(run);
    }
  }

  private async execute(run: Run): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(run.run_id, controller);
    this.active += 1;
    let timeout: NodeJS.Timeout | undefined;
    if (this.options.runTimeoutSeconds) {
      timeout = setTimeout(() => controller.abort(new TimeoutAbort()), this.options.runTimeoutSeconds * 1000);
    }
    const { metadata } = this.persistence;
    this.broker.open(run.run_id, run.kwargs.resumable);
    let result: ExecutionResult;
    const graphId = run.kwargs.config.configurable?.graph_id as string;
    try {
      const graph = await this.registry.get(graphId, run.kwargs.config, { temporary: run.kwargs.temporary });
      result = await executeRun(run, graph, (event, data) => this.broker.publish(run.run_id, event, data), controller.signal);
    } catch (error) {
      result = { outcome: "error", error };
    } finally {
      clearTimeout(timeout);
    }
    try {
      await this.settle(run, result);
    } catch (error) {
      this.log.error("could not record the end of a run", { run_id: run.run_id, error: serializeError(error).message, stack: (error as Error).stack });
    } finally {
      this.controllers.delete(run.run_id);
      this.active -= 1;
      this.release(run.run_id, { run, result });
      this.wake();
    }
  }

  /** Writes the run's end to the thread (first) and the run (then), so the next run sees a settled thread. */
  private async settle(run: Run, result: ExecutionResult): Promise<void> {
    const { metadata, checkpoints } = this.persistence;
    const threadId = run.thread_id;
    if (result.outcome === "rollback") {
      await checkpoints.deleteRun(threadId, run.run_id);
      await metadata.runs.delete(run.run_id);
      await this.recomputeThread(threadId, run, undefined);
      return;
    }
    if (run.kwargs.temporary) {
      await metadata.runs.finish(run.run_id, toRunStatus(result.outcome));
      await metadata.threads.delete(threadId);
      return;
    }
    await this.recomputeThread(threadId, run, result);
    await metadata.runs.finish(run.run_id, toRunStatus(result.outcome));
    if (run.kwargs.webhook) void this.callWebhook(run, result);
  }

  async recomputeThread(threadId: string, run: Run | undefined, result: ExecutionResult | undefined): Promise<void> {
    const { metadata } = this.persistence;
    const thread = await metadata.threads.get(threadId);
    if (!thread) return;
    const graphId = (thread.metadata.graph_id as string | undefined) ?? (run?.kwargs.config.configurable?.graph_id as string | undefined);
    let update = {};
    let hasNext = false;
    if (graphId && this.registry.has(graphId)) {
      const graph = await this.registry.get(graphId, thread.config);
      const state = await graph.getState({ configurable: { thread_id: threadId } });
      const computed = computeThreadFromState(state);
      hasNext = computed.hasNext;
      update = { values: computed.values, interrupts: computed.interrupts };
    }
    const others = (await metadata.runs.active(threadId)).filter((r) => r.run_id !== run?.run_id);
    let status: ThreadStatus = "idle";
    if (result?.outcome === "error" || result?.outcome === "timeout") status = "error";
    else if (hasNext) status = "interrupted";
    else if (others.length > 0) status = "busy";
    await metadata.threads.update(threadId, {
      ...update,
      status,
      ...(result?.outcome === "error" || result?.outcome === "timeout" ? { error: serializeError(result.error) } : { error: undefined }),
    });
  }

  private async callWebhook(run: Run, result: ExecutionResult): Promise<void> {
    const url = run.kwargs.webhook as string;
    try {
      const stored = await this.persistence.metadata.runs.get(run.run_id);
      await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          ...(stored ?? run),
          status: toRunStatus(result.outcome),
          values: result.lastValues,
          ...(result.error ? { error: serializeError(result.error).message } : {}),
        }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      this.log.warn("webhook failed", { run_id: run.run_id, url, error: serializeError(error).message });
    }
  }
}

function toRunStatus(outcome: ExecutionResult["outcome"]): "success" | "error" | "interrupted" | "timeout" {
  if (outcome === "rollback") return "interrupted";
  return outcome;
}
