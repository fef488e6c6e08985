// The run engine: a pool of workers that claim pending runs (one at a time
// per thread), execute them, write statuses to the run and its thread, and
// wake waiters. Push-based: creating a run wakes a worker at once; the only
// timer is for runs scheduled with after_seconds.
//
// With a backend several processes share (persistence.bus), the engine also
// tells other processes when runs are created, end or must be cancelled, and
// appends every stream event to a shared log so clients of any process can
// join any run. Notifications are not durable: waits also poll.
import { randomUUID } from "node:crypto";
import type { BusMessage, Persistence, Run, RunBus, StoredStreamEvent, ThreadStatus, ThreadUpdate } from "../persistence/types.ts";
import type { CompiledGraph, GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logger.ts";
import { StreamBroker, type StreamEvent, type SubscribeOptions } from "./stream-broker.ts";
import { executeRun, TimeoutAbort, type CancelAction, type ExecutionResult } from "./executor.ts";
import { serializeError } from "../serialize.ts";
import { computeThreadFromState } from "./thread-state.ts";
import { isDatabaseUnavailable } from "../persistence/database-unavailable.ts";
import { purgeRun } from "./run-purge.ts";

/** How long a stream reader waits out an unreachable database before it ends the stream with an error. */
const STREAM_OUTAGE_LIMIT_MS = 5 * 60_000;
/** setTimeout's limit (2^31 - 1 ms, ~24.8 days): a longer delay fires at once, with a TimeoutOverflowWarning. */
const MAX_TIMER_MS = 2_147_483_647;
import type { RunObserver } from "./run-observer.ts";

/** How long PostgreSQL keeps a thread's protocol events (memory keeps a bounded count instead). */
export const THREAD_EVENT_RETENTION_MS = 24 * 60 * 60_000;

export interface RunEnded {
  run: Run;
  result: ExecutionResult;
}

export class RunEngine {
  readonly workerId = randomUUID();
  readonly broker = new StreamBroker();
  /** Where clients reach this server (relative webhooks resolve against it). */
  publicUrl?: string;
  /** Sees every thread run this process executes (the streaming protocol's recorder). */
  observer?: RunObserver;
  private controllers = new Map<string, AbortController>();
  /** run id -> thread id of the runs executing here. */
  private runningThreads = new Map<string, string>();
  private waiters = new Map<string, Array<(ended: RunEnded | undefined) => void>>();
  private sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  private wakePending = false;
  private dueTimer?: NodeJS.Timeout;
  private reaper?: NodeJS.Timeout;
  /** Ended runs' results, briefly, so a join that races the end still gets them. */
  private recent = new Map<string, RunEnded>();
  /** Subscribers waiting to learn whether a pending run starts here. */
  private claimWaiters = new Map<string, Set<() => void>>();
  /** Readers of the shared event log, woken when a run's log grows. */
  private logReaders = new Map<string, Set<() => void>>();
  private readonly bus?: RunBus;
  private unsubscribeBus?: () => void;

  constructor(
    private readonly persistence: Persistence,
    private readonly registry: GraphRegistry,
    private readonly log: Logger,
    private readonly options: { workers: number; runTimeoutSeconds?: number; reaperIntervalMs?: number; pollIntervalMs?: number },
  ) {
    this.bus = persistence.bus;
    this.unsubscribeBus = this.bus?.subscribe((message) => this.onBusMessage(message));
  }

  private get pollMs(): number {
    return this.options.pollIntervalMs ?? 500;
  }

  private onBusMessage(message: BusMessage): void {
    switch (message.type) {
      case "run_created":
        this.wake();
        break;
      case "run_ended":
        // A run of another process ended: its waiters here, and the thread is free.
        if (!this.controllers.has(message.run_id)) this.release(message.run_id);
        this.notifyLog(message.run_id);
        this.wake();
        break;
      case "cancel":
        this.abort(message.run_id, message.action);
        break;
      case "events":
        this.notifyLog(message.run_id);
        break;
    }
  }

  private notifyLog(runId: string): void {
    const readers = this.logReaders.get(runId);
    if (!readers) return;
    this.logReaders.delete(runId);
    for (const r of readers) r();
  }

  /** Tells idle workers of other processes that a run is waiting, when ours are all busy. */
  announceCreated(): void {
    if (!this.bus || this.sleepers.size > 0) return;
    void this.bus
      .publish({ type: "run_created" })
      .catch((error: unknown) => this.log.warn("bus publish failed", { error: serializeError(error).message }));
  }

  /** Asks the process running a run elsewhere to abort it. */
  async requestRemoteCancel(runId: string, action: CancelAction): Promise<boolean> {
    if (!this.bus) return false;
    await this.bus.publish({ type: "cancel", run_id: runId, action });
    return true;
  }

  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.loops.push(this.loop());
    // Runs left running by a process that died while we were up (several
    // processes on one database) are settled by whichever process notices.
    this.reaper = setInterval(() => void this.reap(), this.options.reaperIntervalMs ?? 30_000);
    this.reaper.unref();
  }

  private async reap(): Promise<void> {
    try {
      await this.bus?.pruneEvents(5 * 60_000);
      await this.persistence.threadEvents.prune(THREAD_EVENT_RETENTION_MS);
      const settled = await this.persistence.metadata.runs.settleOrphaned("server stopped while the run was in progress");
      for (const run of settled) {
        this.release(run.run_id);
        // If its owner is alive after all (only its liveness connection dropped), it stops the graph.
        void this.bus?.publish({ type: "cancel", run_id: run.run_id, action: "interrupt" }).catch(() => undefined);
        void this.bus?.publish({ type: "run_ended", run_id: run.run_id, thread_id: run.thread_id }).catch(() => undefined);
      }
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
    this.unsubscribeBus?.();
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

  /** How a run that executed here ended, if it ended in the last 30 s. */
  endedHere(runId: string): RunEnded | undefined {
    return this.recent.get(runId);
  }

  /** Resolves when the run ends (undefined if it was deleted before it ended). */
  waitFor(runId: string): Promise<RunEnded | undefined> {
    const ended = this.recent.get(runId);
    if (ended) return Promise.resolve(ended);
    const waiting = new Promise<RunEnded | undefined>((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
    if (this.bus && !this.controllers.has(runId)) void this.pollUntilEnded(runId, waiting);
    return waiting;
  }

  /** The run may end in another process and its notification may be lost: poll. */
  private async pollUntilEnded(runId: string, ended: Promise<unknown>): Promise<void> {
    let done = false;
    void ended.then(() => (done = true));
    while (!done && !this.stopped) {
      await new Promise((r) => setTimeout(r, this.pollMs).unref());
      if (done || this.controllers.has(runId)) return;
      const run = await this.persistence.metadata.runs.get(runId).catch(() => undefined);
      if (!run || (run.status !== "pending" && run.status !== "running")) {
        this.release(runId);
        return;
      }
    }
  }

  /** Aborts every run of a thread executing here and waits (bounded) for them to end. */
  async abortThread(threadId: string, graceMs = 5_000): Promise<void> {
    const ending: Promise<unknown>[] = [];
    for (const [runId, tid] of this.runningThreads) {
      if (tid !== threadId) continue;
      ending.push(this.waitFor(runId));
      this.abort(runId, "interrupt");
    }
    if (ending.length) await Promise.race([Promise.all(ending), new Promise((r) => setTimeout(r, graceMs).unref())]);
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
    this.notifyClaim(runId);
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

  private lastDueCheck = 0;
  private dueAt = Infinity;

  /** Wakes a worker when a delayed (after_seconds) run becomes due. */
  scheduleAt(at: Date): void {
    const when = at.getTime();
    if (when >= this.dueAt && this.dueAt > Date.now()) return;
    clearTimeout(this.dueTimer);
    this.dueAt = when;
    this.dueTimer = setTimeout(
      () => {
        this.dueAt = Infinity;
        // A delay beyond the timer's limit is waited out in steps.
        if (when > Date.now()) this.scheduleAt(at);
        else this.wake();
      },
      Math.min(Math.max(0, when - Date.now()) + 5, MAX_TIMER_MS),
    );
    this.dueTimer.unref();
  }

  /** Arms a timer for the next after_seconds run; at most one look-up per second across workers. */
  private async scheduleDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastDueCheck < 1000) {
      // Throttled: look again when the second is over, never not at all. Memory has no poll to
      // catch a delayed run whose timer was spent on an earlier one (seen as a stream that hung).
      this.scheduleAt(new Date(this.lastDueCheck + 1000));
      return;
    }
    this.lastDueCheck = now;
    const due = await this.persistence.metadata.runs.nextDueAt();
    if (!due) return;
    if (due.getTime() <= Date.now()) return;
    this.scheduleAt(due);
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
      const runs = this.persistence.metadata.runs;
      // Another worker claims only if the store saw another due run (unknown: it claims).
      if (runs.pendingAfter?.(run.run_id) !== false) this.wake();
      await this.execute(run);
      // The run's end saw no due run: a claim now would find nothing. A run
      // created since wakes a worker itself (or leaves wakePending for this one).
      if (runs.pendingAfter?.(run.run_id) === false && !this.stopped) await this.sleep();
    }
  }

  private async execute(run: Run): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(run.run_id, controller);
    this.runningThreads.set(run.run_id, run.thread_id);
    let timeout: NodeJS.Timeout | undefined;
    if (this.options.runTimeoutSeconds) {
      timeout = setTimeout(() => controller.abort(new TimeoutAbort()), this.options.runTimeoutSeconds * 1000);
    }
    this.broker.open(run.run_id, run.kwargs.resumable);
    this.notifyClaim(run.run_id);
    const log = this.bus ? new SharedEventLog(this.bus, run.run_id, () => this.notifyLog(run.run_id), this.log) : undefined;
    let result: ExecutionResult;
    const graphId = run.kwargs.config.configurable?.graph_id as string;
    let seq = 0;
    const publish = (event: string, data: string) => {
      this.broker.publish(run.run_id, event, data);
      log?.push({ id: seq++, event, data });
    };
    const observation = run.kwargs.temporary ? undefined : this.observer?.begin(run, graphId);
    let graph: CompiledGraph | undefined;
    try {
      graph = await this.registry.get(graphId, run.kwargs.config, { temporary: run.kwargs.temporary });
      // A reader is waiting: let the first event leave before the graph
      // starts. Node flushes response writes on process.nextTick, which does
      // not run until the microtask queue drains, and a graph whose awaits
      // all resolve at once (memory checkpointer, no I/O) is one long
      // microtask chain: its first event would leave with its last.
      // Protocol runs are followed through the thread's log: assume a reader.
      const started = () =>
        this.broker.hasReaders(run.run_id) || run.kwargs.protocol === true ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined;
      result = await executeRun(run, graph, publish, controller.signal, started, observation ? (e) => observation.event(e) : undefined);
    } catch (error) {
      result = { outcome: "error", error };
    } finally {
      clearTimeout(timeout);
      await log?.close();
    }
    try {
      const thread = await this.settleWithRetry(run, result, graph);
      // Before this worker claims the thread's next run: its events follow these.
      await observation
        ?.end(result, thread)
        .catch((error: unknown) =>
          this.log.warn("could not record the run's end on its thread stream", { run_id: run.run_id, error: serializeError(error).message }),
        );
    } finally {
      this.controllers.delete(run.run_id);
      this.runningThreads.delete(run.run_id);
      this.release(run.run_id, { run, result });
      // A store whose finish() notifies has told the other processes in the run's end commit
      // (a rolled-back run is purged, not finished: it is announced here).
      if (!this.persistence.metadata.runs.finishNotifies?.() || result.outcome === "rollback") {
        void this.bus?.publish({ type: "run_ended", run_id: run.run_id, thread_id: run.thread_id }).catch(() => undefined);
      }
      // No wake() here: this worker's loop claims again as soon as we return
      // (the next run of this thread included); waking another worker as well
      // cost a claim query per run that found nothing.
    }
  }

  /**
   * The database may be down when a run ends (it may be why the run ended):
   * keep the outcome and retry with back-off, so the run is recorded once the
   * database is back instead of staying "running". Gives up only on shutdown;
   * the next boot settles it then.
   */
  private async settleWithRetry(run: Run, result: ExecutionResult, graph: CompiledGraph | undefined): Promise<ThreadUpdate | undefined> {
    // Capped at 2 s: streams of the run end only once this succeeds, and they should end soon after the database is back.
    for (let attempt = 0, delay = 250; ; attempt++, delay = Math.min(delay * 2, 2_000)) {
      try {
        return await this.settle(run, result, graph);
      } catch (error) {
        this.log.error("could not record the end of a run; retrying", { run_id: run.run_id, attempt, error: serializeError(error).message });
        if (this.stopped) return undefined;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Writes the run's end to the thread (first) and the run (then), so the next run sees a settled thread. */
  private async settle(run: Run, result: ExecutionResult, graph: CompiledGraph | undefined): Promise<ThreadUpdate | undefined> {
    const { metadata } = this.persistence;
    const threadId = run.thread_id;
    if (result.outcome === "rollback") {
      await purgeRun(this.persistence, threadId, run.run_id);
      await this.recomputeThread(threadId, run, undefined);
      return undefined;
    }
    if (run.kwargs.temporary) {
      await metadata.runs.finish(run.run_id, toRunStatus(result.outcome));
      await metadata.threads.delete(threadId);
      return undefined;
    }
    let update: ThreadUpdate | undefined;
    try {
      // finish() itself keeps the thread busy if another run is queued: no read of the thread's runs.
      update = await this.threadUpdateAfter(threadId, run, result, false, graph);
    } catch (error) {
      // The run still ends: a thread whose state cannot be read is marked error.
      this.log.error("could not read the thread's state after a run", { run_id: run.run_id, error: serializeError(error).message });
      update = { status: "error", error: { error: "StateError", message: `The thread's state cannot be read: ${serializeError(error).message}` } };
    }
    // The thread's new state and the run's end in one write.
    await metadata.runs.finish(run.run_id, toRunStatus(result.outcome), update ? { threadId, update } : undefined);
    if (run.kwargs.webhook) void this.callWebhook(run, result);
    return update;
  }

  async recomputeThread(threadId: string, run: Run | undefined, result: ExecutionResult | undefined): Promise<void> {
    const update = await this.threadUpdateAfter(threadId, run, result);
    if (update) await this.persistence.metadata.threads.update(threadId, update);
  }

  /** What a thread becomes once `run` ended with `result` (undefined if the thread is gone). */
  private async threadUpdateAfter(
    threadId: string,
    run: Run | undefined,
    result: ExecutionResult | undefined,
    countOthers = true,
    /** The graph the run executed: the thread need not be read to build it (a thread deleted meanwhile updates nothing). */
    executed?: CompiledGraph,
  ): Promise<ThreadUpdate | undefined> {
    const { metadata } = this.persistence;
    let graph = executed;
    if (!graph) {
      const thread = await metadata.threads.get(threadId);
      if (!thread) return undefined;
      const graphId = (thread.metadata.graph_id as string | undefined) ?? (run?.kwargs.config.configurable?.graph_id as string | undefined);
      if (graphId && this.registry.has(graphId)) graph = await this.registry.get(graphId, thread.config);
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
    const others = countOthers ? (await metadata.runs.active(threadId)).filter((r) => r.run_id !== run?.run_id) : [];
    let status: ThreadStatus = "idle";
    if (result?.outcome === "error" || result?.outcome === "timeout") status = "error";
    else if (hasNext) status = "interrupted";
    else if (others.length > 0) status = "busy";
    return {
      ...update,
      status,
      ...(result?.outcome === "error" || result?.outcome === "timeout" ? { error: serializeError(result.error) } : { error: undefined }),
    };
  }

  private notifyClaim(runId: string): void {
    const waiters = this.claimWaiters.get(runId);
    if (!waiters) return;
    this.claimWaiters.delete(runId);
    for (const w of waiters) w();
  }

  private waitForSignal(map: Map<string, Set<() => void>>, runId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = map.get(runId) ?? new Set();
      map.set(runId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * A run's stream for a client of this process: from the local broker when
   * the run executes here (or there is no shared backend), else from the
   * shared event log, whichever process runs it.
   */
  async *subscribe(runId: string, options: SubscribeOptions = {}): AsyncGenerator<StreamEvent> {
    if (!this.bus) {
      yield* this.broker.subscribe(runId, options);
      return;
    }
    // Executing here, or ended here: the local broker holds its events. (A
    // stateless run that ended took its record with its thread, so the
    // lookup below would find nothing.)
    const local = () => this.controllers.has(runId) || this.recent.has(runId);
    for (;;) {
      if (options.signal?.aborted) return;
      if (local()) {
        yield* this.broker.subscribe(runId, options);
        return;
      }
      const run = await this.throughOutage(() => this.persistence.metadata.runs.get(runId), options.signal);
      if (local()) continue;
      if (!run) return;
      if (run.status !== "pending") {
        yield* this.readLog(runId, options);
        return;
      }
      await this.waitForSignal(this.claimWaiters, runId, this.pollMs, options.signal);
    }
  }

  /**
   * A stream reader's database read, retried while the database is away (a
   * stream opened just before an outage must still end once it is back and
   * its run has been settled), with back-off capped at 1 s so it notices the
   * recovery promptly; gives up after STREAM_OUTAGE_LIMIT_MS or when the
   * client leaves.
   */
  private async throughOutage<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + STREAM_OUTAGE_LIMIT_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        return await read();
      } catch (error) {
        if (!isDatabaseUnavailable(error) || signal?.aborted || Date.now() + delay > deadline) throw error;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, delay);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
          }
          signal?.addEventListener("abort", done, { once: true });
        });
      }
    }
  }

  private async *readLog(runId: string, options: SubscribeOptions): AsyncGenerator<StreamEvent> {
    const bus = this.bus as RunBus;
    const given = options.lastEventId !== undefined ? Number(options.lastEventId) : NaN;
    let after = Number.isFinite(given) ? given : -1;
    while (!options.signal?.aborted) {
      const batch = await this.throughOutage(() => bus.readEvents(runId, after, 500), options.signal);
      for (const e of batch) {
        after = e.id;
        yield e;
      }
      if (batch.length === 500) continue;
      const run = await this.throughOutage(() => this.persistence.metadata.runs.get(runId), options.signal);
      if (!run || (run.status !== "pending" && run.status !== "running")) {
        // The owner flushes its log before it records the end: one last read.
        const rest = await this.throughOutage(() => bus.readEvents(runId, after, 100_000), options.signal);
        for (const e of rest) yield e;
        return;
      }
      await this.waitForSignal(this.logReaders, runId, this.pollMs, options.signal);
    }
  }

  private async callWebhook(run: Run, result: ExecutionResult): Promise<void> {
    const given = run.kwargs.webhook as string;
    const url = given.startsWith("/") && this.publicUrl ? `${this.publicUrl}${given}` : given;
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

function toRunStatus(outcome: ExecutionResult["outcome"]): "success" | "error" | "interrupted" | "timeout" {
  if (outcome === "rollback") return "interrupted";
  return outcome;
}

/**
 * Appends a run's events to the shared log in batches (one INSERT per ~20 ms
 * of streaming), notifying readers in this process at once and in others
 * through the bus.
 */
class SharedEventLog {
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
    this.timer ??= setTimeout(() => void this.flush(), 20);
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

  async close(): Promise<void> {
    await this.flush();
  }
}
