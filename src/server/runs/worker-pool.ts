// The workers of this process: each claims a pending run (one at a time per
// thread), executes it and claims again; idle ones sleep until woken (a run
// was created here or elsewhere, a delayed run is due, a run ended). Also
// the reaper's interval, and stopping with a grace period.
import { randomUUID } from "node:crypto";
import type { Persistence, Run } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";
import { DueTimer } from "./due-timer.ts";

export interface WorkerPoolOptions {
  workers: number;
  runs: Pick<Persistence["metadata"]["runs"], "claimNext" | "nextDueAt" | "pendingAfter">;
  /** Executes a claimed run to its end (settled); the worker claims again when it resolves. */
  execute: (run: Run) => Promise<void>;
  /** Settles what processes that died left behind; called every `reaperIntervalMs`. */
  reap: () => Promise<void>;
  reaperIntervalMs?: number;
  log: Logger;
}

/** An idle worker set aside for a run being created (WorkerPool.reserve). */
export interface WorkerReservation {
  workerId: string;
  /** The store claimed the run for this worker: it executes it. */
  execute(run: Run): void;
  /** The run was not claimed for it (or was not created): the worker claims as if woken. */
  release(): void;
}

/** How long a worker waits before claiming again after the claim query failed. */
const CLAIM_RETRY_MS = 1_000;
/** After the grace period, aborted runs get this long to record their end. */
const ABORT_SETTLE_MS = 2_000;

export class WorkerPool {
  readonly workerId = randomUUID();
  readonly due: DueTimer;
  /** Idle workers; resolving one with a run hands it that run (claimed in its own insert), without one it claims. */
  private readonly sleepers = new Set<(handed?: Run) => void>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  private wakePending = false;
  private reaper?: NodeJS.Timeout;

  constructor(private readonly options: WorkerPoolOptions) {
    this.due = new DueTimer(
      () => this.wake(),
      () => options.runs.nextDueAt(),
    );
  }

  /** True when every worker is busy (no one would pick up a run created now). */
  get allBusy(): boolean {
    return this.sleepers.size === 0;
  }

  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.loops.push(this.loop());
    // Runs left running by a process that died while we were up (several
    // processes on one database) are settled by whichever process notices.
    this.reaper = setInterval(() => void this.options.reap(), this.options.reaperIntervalMs ?? 30_000);
    this.reaper.unref();
  }

  /**
   * Stops claiming; in-flight runs finish (drain). If they have not after
   * `graceMs`, `abortAll` aborts them and they get a short while to settle.
   */
  async stop(graceMs: number, abortAll: () => void): Promise<void> {
    this.stopped = true;
    this.due.stop();
    clearInterval(this.reaper);
    this.wake();
    const drained = Promise.all(this.loops);
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
    if ((await Promise.race([drained, timer])) === "timeout") {
      abortAll();
      await Promise.race([drained, new Promise((r) => setTimeout(r, ABORT_SETTLE_MS).unref())]);
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

  /**
   * Takes an idle worker out of the pool for a run about to be created, so
   * the store may claim the run for it in its insert. The caller must then
   * `execute` the run (claimed) or `release` the worker (it claims as if woken).
   */
  reserve(): WorkerReservation | undefined {
    if (this.stopped) return undefined;
    const first = this.sleepers.values().next();
    if (first.done) return undefined;
    const resume = first.value;
    this.sleepers.delete(resume);
    let used = false;
    const once = (run?: Run) => {
      if (used) return;
      used = true;
      resume(run);
    };
    return { workerId: this.workerId, execute: (run) => once(run), release: () => once() };
  }

  private async sleep(): Promise<Run | undefined> {
    if (this.wakePending) {
      this.wakePending = false;
      return undefined;
    }
    return new Promise<Run | undefined>((resolve) => this.sleepers.add(resolve));
  }

  private claim(): Promise<Run | undefined> {
    return this.options.runs.claimNext(this.workerId);
  }

  private async loop(): Promise<void> {
    const { runs } = this.options;
    // A run handed over while asleep is executed even if the pool stopped meanwhile: it is claimed.
    let handed: Run | undefined;
    while (handed || !this.stopped) {
      let run = handed;
      handed = undefined;
      if (!run) {
        try {
          run = await this.claim();
        } catch (error) {
          this.options.log.error("could not claim a run", { error: serializeError(error).message });
          await new Promise((r) => setTimeout(r, CLAIM_RETRY_MS));
          continue;
        }
        if (!run) {
          await this.due.scheduleDue();
          if (this.stopped) return;
          handed = await this.sleep();
          continue;
        }
        // Another worker claims only if the store saw another due run (unknown: it claims).
        if (runs.pendingAfter?.(run.run_id) !== false) this.wake();
      }
      // No wake() after it: this worker claims again as soon as the run is
      // settled (the thread's next run included); waking another worker as
      // well cost a claim query per run that found nothing.
      await this.options.execute(run);
      // The run's end saw no due run: a claim now would find nothing. A run
      // created since wakes a worker itself (or leaves a wake pending for this one).
      if (runs.pendingAfter?.(run.run_id) === false && !this.stopped) handed = await this.sleep();
    }
  }
}
