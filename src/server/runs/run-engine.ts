// The run engine: the facade the services and routes use over its parts —
// the worker pool and due timer (worker-pool.ts, due-timer.ts), executing a
// claimed run (run-execution.ts), recording its end (run-settlement.ts),
// waiters (run-waiters.ts), streams (run-streams.ts) and, with a backend
// several processes share, their messages (run-bus-link.ts). Push-based:
// creating a run wakes a worker at once; the only timer is for runs
// scheduled with after_seconds. Cross-process notifications are not
// durable: waits and stream readers also poll.
import type { Persistence, Run } from "../persistence/types.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import type { Logger } from "../logger.ts";
import type { StreamBroker, StreamEvent, SubscribeOptions } from "./stream-broker.ts";
import type { CancelAction, ExecutionResult } from "./executor.ts";
import type { RunObserver } from "./run-observer.ts";
import { RunBusLink } from "./run-bus-link.ts";
import { WorkerPool, type WorkerReservation } from "./worker-pool.ts";
import { RunningRuns } from "./running-runs.ts";
import { RunWaiters, type RunEnded } from "./run-waiters.ts";
import { RunStreams } from "./run-streams.ts";
import { RunSettlement } from "./run-settlement.ts";
import { RunExecution } from "./run-execution.ts";
import { reapOrphans } from "./run-reaper.ts";

export type { RunEnded } from "./run-waiters.ts";
export { THREAD_EVENT_RETENTION_MS } from "./run-reaper.ts";

export interface RunEngineOptions {
  workers: number;
  runTimeoutSeconds?: number;
  reaperIntervalMs?: number;
  /** How often waits and stream readers poll when a run may end in another process. */
  pollIntervalMs?: number;
}

export class RunEngine {
  /** Where clients reach this server (relative webhooks resolve against it). */
  publicUrl?: string;
  /** Sees every thread run this process executes (the streaming protocol's recorder). */
  observer?: RunObserver;
  private readonly shared: boolean;
  private readonly stopping = new AbortController();
  private readonly running = new RunningRuns();
  private readonly waiters: RunWaiters;
  private readonly streams: RunStreams;
  private readonly settlement: RunSettlement;
  private readonly pool: WorkerPool;
  private readonly busLink: RunBusLink;

  constructor(persistence: Persistence, registry: GraphRegistry, log: Logger, options: RunEngineOptions) {
    const bus = persistence.bus;
    this.shared = bus !== undefined;
    const pollMs = options.pollIntervalMs ?? 500;
    const stopping = this.stopping.signal;
    this.waiters = new RunWaiters({
      poll: bus ? { getRun: (runId) => persistence.metadata.runs.get(runId), intervalMs: pollMs } : undefined,
      isRunningHere: (runId) => this.running.has(runId),
      onEndedElsewhere: (runId) => this.release(runId),
      stopping,
    });
    this.streams = new RunStreams({
      persistence,
      bus,
      log,
      pollMs,
      isLocal: (runId) => this.running.has(runId) || this.waiters.endedHere(runId) !== undefined,
    });
    this.settlement = new RunSettlement({ persistence, registry, log, publicUrl: () => this.publicUrl, stopping });
    const execution = new RunExecution({
      registry,
      log,
      bus,
      running: this.running,
      streams: this.streams,
      settlement: this.settlement,
      observer: () => this.observer,
      release: (runId, ended) => this.release(runId, ended),
      runTimeoutSeconds: options.runTimeoutSeconds,
      finishNotifies: () => persistence.metadata.runs.finishNotifies?.() ?? false,
    });
    this.pool = new WorkerPool({
      workers: options.workers,
      runs: persistence.metadata.runs,
      execute: (run) => execution.execute(run),
      reap: () => reapOrphans({ persistence, log, release: (runId) => this.release(runId), wake: () => this.wake() }),
      reaperIntervalMs: options.reaperIntervalMs,
      log,
    });
    this.busLink = new RunBusLink(bus, log, {
      created: () => this.wake(),
      ended: (runId) => {
        // A run of another process ended: its waiters here, and the thread is free.
        if (!this.running.has(runId)) this.release(runId);
        this.streams.logGrown(runId);
        this.wake();
      },
      cancel: (runId, action) => this.abort(runId, action),
      logGrew: (runId) => this.streams.logGrown(runId),
    });
  }

  get workerId(): string {
    return this.pool.workerId;
  }

  /** The local stream of runs executing here (services open a run's stream before it can start). */
  get broker(): StreamBroker {
    return this.streams.broker;
  }

  start(): void {
    this.pool.start();
  }

  /** Stops claiming, cancels nothing: in-flight runs finish (drain) unless the grace period ends. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping.abort();
    this.busLink.close();
    await this.pool.stop(graceMs, () => this.running.abortAll("interrupt"));
  }

  /** Wakes one idle worker: a run was created or a thread became free. */
  wake(): void {
    this.pool.wake();
  }

  /** An idle worker set aside for a run being created, which the store may claim for it in its insert. */
  reserveWorker(): WorkerReservation | undefined {
    return this.pool.reserve();
  }

  /** Wakes a worker when a delayed (after_seconds) run becomes due. */
  scheduleAt(at: Date): void {
    this.pool.due.scheduleAt(at);
  }

  /** Tells idle workers of other processes that a run is waiting, when ours are all busy. */
  announceCreated(): void {
    if (this.shared && this.pool.allBusy) this.busLink.announceCreated();
  }

  /** Asks the process running a run elsewhere to abort it. False when no other process can be running it. */
  requestRemoteCancel(runId: string, action: CancelAction): Promise<boolean> {
    return this.busLink.requestCancel(runId, action);
  }

  isRunningHere(runId: string): boolean {
    return this.running.has(runId);
  }

  /** Aborts a run executing in this process. Returns false if it is not here. */
  abort(runId: string, action: CancelAction): boolean {
    return this.running.abort(runId, action);
  }

  /**
   * Stops the runs of a thread being deleted, wherever they execute: here
   * they are aborted and waited for (bounded by `graceMs`), elsewhere asked
   * to stop; waiters of the others are released.
   */
  async stopThreadRuns(threadId: string, runs: Run[], graceMs = 5_000): Promise<void> {
    for (const run of runs) {
      if (this.running.has(run.run_id)) continue;
      if (run.status === "running") await this.requestRemoteCancel(run.run_id, "interrupt");
      this.release(run.run_id);
    }
    const ending = this.running.ofThread(threadId).map((runId) => {
      const ended = this.waitFor(runId);
      this.abort(runId, "interrupt");
      return ended;
    });
    if (ending.length) await Promise.race([Promise.all(ending), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  /** How a run that executed here ended, if it ended in the last 30 s. */
  endedHere(runId: string): RunEnded | undefined {
    return this.waiters.endedHere(runId);
  }

  /** Resolves when the run ends (undefined if it was deleted before it ended). */
  waitFor(runId: string): Promise<RunEnded | undefined> {
    return this.waiters.waitFor(runId);
  }

  /** The run ended (`ended` when it executed here) or will never execute (cancelled, deleted): release its streams and waiters. */
  release(runId: string, ended?: RunEnded): void {
    this.streams.ended(runId);
    this.waiters.notify(runId, ended);
  }

  /** Brings the thread's values and status up to date after `run` ended or was cancelled. */
  recomputeThread(threadId: string, run: Run | undefined, result: ExecutionResult | undefined): Promise<void> {
    return this.settlement.recomputeThread(threadId, run, result);
  }

  /** A run's stream for a client of this process, wherever the run executes. */
  subscribe(runId: string, options: SubscribeOptions = {}): AsyncGenerator<StreamEvent> {
    return this.streams.subscribe(runId, options);
  }
}
