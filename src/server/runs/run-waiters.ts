// Who waits for a run's end (join, /wait, cancel?wait=true, shutdown), and
// how recently ended runs are remembered so a join that races the end still
// gets the result.
import type { Run } from "../persistence/types.ts";
import type { ExecutionResult } from "./executor.ts";

export interface RunEnded {
  run: Run;
  result: ExecutionResult;
}

/** How long an ended run's result is kept for joins that arrive just after the end. */
const RECENT_MS = 30_000;

export interface RunWaitersOptions {
  /**
   * Set when runs may end in another process, whose notification may be
   * lost: waits then also poll the run's record.
   */
  poll?: { getRun: (runId: string) => Promise<Run | undefined>; intervalMs: number };
  /** True while the run executes here: its end is certain to be notified, no poll needed. */
  isRunningHere: (runId: string) => boolean;
  /** The poll found the run ended or gone: release it (the engine closes its stream too). */
  onEndedElsewhere: (runId: string) => void;
  /** Aborts when the server stops: polls end. */
  stopping: AbortSignal;
}

export class RunWaiters {
  private readonly waiters = new Map<string, Array<(ended: RunEnded | undefined) => void>>();
  private readonly recent = new Map<string, RunEnded>();

  constructor(private readonly options: RunWaitersOptions) {}

  /** How a run that executed here ended, if it ended in the last 30 s. */
  endedHere(runId: string): RunEnded | undefined {
    return this.recent.get(runId);
  }

  /** Resolves when the run ends (undefined if it was deleted or cancelled before it ran). */
  waitFor(runId: string): Promise<RunEnded | undefined> {
    const ended = this.recent.get(runId);
    if (ended) return Promise.resolve(ended);
    const waiting = new Promise<RunEnded | undefined>((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
    if (this.options.poll && !this.options.isRunningHere(runId)) void this.pollUntilEnded(runId, this.options.poll, waiting);
    return waiting;
  }

  /** The run ended (`ended` given when it executed here) or will never run: resolve its waiters. */
  notify(runId: string, ended?: RunEnded): void {
    if (ended) {
      this.recent.set(runId, ended);
      setTimeout(() => this.recent.delete(runId), RECENT_MS).unref();
    }
    const list = this.waiters.get(runId);
    this.waiters.delete(runId);
    for (const w of list ?? []) w(ended);
  }

  /** How many runs have waiters (tests check nothing leaks). */
  get waiting(): number {
    return this.waiters.size;
  }

  private async pollUntilEnded(runId: string, poll: NonNullable<RunWaitersOptions["poll"]>, ended: Promise<unknown>): Promise<void> {
    let done = false;
    void ended.then(() => (done = true));
    while (!done && !this.options.stopping.aborted) {
      await new Promise((r) => setTimeout(r, poll.intervalMs).unref());
      if (done || this.options.isRunningHere(runId)) return;
      const run = await poll.getRun(runId).catch(() => undefined);
      if (!run || (run.status !== "pending" && run.status !== "running")) {
        this.options.onEndedElsewhere(runId);
        return;
      }
    }
  }
}
