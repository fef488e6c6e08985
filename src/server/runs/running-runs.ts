// The runs executing in this process, each with the controller that aborts it.
import type { Run } from "../persistence/types.ts";
import type { CancelAction } from "./executor.ts";

export class RunningRuns {
  private readonly runs = new Map<string, { threadId: string; controller: AbortController }>();

  /** Registers a claimed run; the returned controller aborts its graph. */
  add(run: Run): AbortController {
    const controller = new AbortController();
    this.runs.set(run.run_id, { threadId: run.thread_id, controller });
    return controller;
  }

  remove(runId: string): void {
    this.runs.delete(runId);
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  /** Aborts a run executing here. Returns false if it is not here. */
  abort(runId: string, action: CancelAction): boolean {
    const entry = this.runs.get(runId);
    if (!entry) return false;
    entry.controller.abort(action);
    return true;
  }

  abortAll(action: CancelAction): void {
    for (const { controller } of this.runs.values()) controller.abort(action);
  }

  /** Ids of the runs of `threadId` executing here. */
  ofThread(threadId: string): string[] {
    return [...this.runs].filter(([, entry]) => entry.threadId === threadId).map(([runId]) => runId);
  }
}
