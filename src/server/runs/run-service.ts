// Run creation and control as the API defines them: multitask strategies,
// cancel, delete, join. The assistant and thread a run is for are resolved in
// run-target.ts, the run record (config merging) is drafted in run-draft.ts.
// Cancel semantics live here alone: routes validate and call
// cancel/cancelTargets/deleteRun.
import { v7 as uuid7 } from "uuid";
import type { Assistant, JsonObject, MultitaskStrategy, Persistence, Run, RunnableConfigRecord } from "../persistence/types.ts";
import { runNotFound } from "../errors.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import type { RunEngine } from "./run-engine.ts";
import type { CancelAction } from "./executor.ts";
import { purgeRun } from "./run-purge.ts";
import type { AuthContext, AuthFilter } from "../auth/types.ts";
import { checkWebhook, draftRun } from "./run-draft.ts";
import { RunTargets } from "./run-target.ts";

/** Who creates a run (custom auth): stamped into its config; `filter` guards an existing thread. */
export interface RunCaller {
  context?: AuthContext;
  filter?: AuthFilter;
}

/** A run as requested (http/run-schemas.ts `runCreate` is its wire shape: metadata and context may be null there). */
export interface RunCreateBody {
  assistant_id: string;
  input?: unknown;
  command?: { resume?: unknown; update?: unknown; goto?: unknown } | null;
  checkpoint_id?: string;
  checkpoint?: JsonObject;
  metadata?: JsonObject | null;
  config?: RunnableConfigRecord;
  context?: JsonObject | null;
  webhook?: string;
  interrupt_before?: string[] | "*";
  interrupt_after?: string[] | "*";
  on_disconnect?: "cancel" | "continue";
  multitask_strategy?: MultitaskStrategy;
  stream_mode?: string | string[];
  stream_subgraphs?: boolean;
  stream_resumable?: boolean;
  after_seconds?: number;
  if_not_exists?: "reject" | "create";
  on_completion?: "delete" | "keep";
  feedback_keys?: string | string[];
}

export interface RunCreateOptions {
  /** The caller streams the run's events from its start. */
  streamed?: boolean;
  /**
   * Ids chosen by the caller (cron firings derive them from the due time, so
   * a firing retried by another process cannot create a second run).
   */
  runId?: string;
  statelessThreadId?: string;
  /** Started through the streaming protocol (every channel is recorded). */
  protocol?: boolean;
  /** Who creates it (custom auth): stamped into its config; its filter guards an existing thread. */
  caller?: RunCaller;
}

/** Kept here for the routes that check a batch before creating any run. */
export { checkWebhook } from "./run-draft.ts";

export class RunService {
  private readonly targets: RunTargets;

  constructor(
    private readonly persistence: Persistence,
    registry: GraphRegistry,
    private readonly engine: RunEngine,
  ) {
    this.targets = new RunTargets(persistence, registry);
  }

  /** A graph id is accepted wherever an assistant id is. */
  resolveAssistantId(id: string): string {
    return this.targets.resolveAssistantId(id);
  }

  /** The assistant a run would use, or the 404 it would answer. */
  assertAssistant(idOrGraph: string): Promise<Assistant> {
    return this.targets.assertAssistant(idOrGraph);
  }

  /** Creation is serialized per thread in this process, so "reject" sees every earlier run. */
  private creating = new Map<string, Promise<unknown>>();

  /**
   * `options.streamed`: the caller streams the run's events from its start.
   * `options.protocol`: started through the streaming protocol (every channel is recorded).
   * `options.caller`: who creates it (custom auth).
   */
  async create(
    threadId: string | undefined,
    body: RunCreateBody,
    headers: Record<string, string | string[] | undefined>,
    options: RunCreateOptions = {},
  ): Promise<Run> {
    if (threadId === undefined) return this.createUnlocked(threadId, body, headers, options);
    const previous = this.creating.get(threadId) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.createUnlocked(threadId, body, headers, options));
    this.creating.set(threadId, mine);
    try {
      return await mine;
    } finally {
      if (this.creating.get(threadId) === mine) this.creating.delete(threadId);
    }
  }

  private async createUnlocked(
    threadId: string | undefined,
    body: RunCreateBody,
    headers: Record<string, string | string[] | undefined>,
    options: RunCreateOptions,
  ): Promise<Run> {
    const { metadata: store } = this.persistence;
    checkWebhook(body.webhook);
    const { assistant, existing } = await this.targets.assistantAndThread(body.assistant_id, threadId);
    const strategy = body.multitask_strategy ?? "reject";
    const { thread, createdHere } = await this.targets.threadFor(
      threadId,
      existing,
      body,
      assistant,
      options.statelessThreadId,
      options.caller?.filter,
    );
    const id = thread.thread_id;
    // Only interrupt and rollback act on the runs in flight. "reject" is
    // decided where the run is written (ifIdle, exact across processes), so
    // a read here would only repeat it.
    const inflight = strategy === "interrupt" || strategy === "rollback" ? await store.runs.active(id) : [];
    const { run, threadUpdate } = draftRun({
      runId: options.runId ?? uuid7(),
      body,
      headers,
      assistant,
      thread,
      strategy,
      temporary: threadId === undefined && (body.on_completion ?? "delete") === "delete",
      protocol: options.protocol,
      caller: options.caller?.context,
    });
    // Open the stream before the run can start, so no event is missed.
    this.engine.broker.open(run.run_id, run.kwargs.resumable, options.streamed === true);
    // A free worker here: the store may claim the run for it in the insert
    // (one statement less than a claim; a delayed run is never claimable).
    const worker = (body.after_seconds ?? 0) > 0 ? undefined : this.engine.reserveWorker();
    // "reject" is checked again where the run is written: another process may
    // have created a run on this thread since the read above.
    let stored: Run;
    try {
      stored = await store.runs.create(run, threadUpdate, { ifIdle: strategy === "reject", claimBy: worker?.workerId });
    } catch (error) {
      worker?.release();
      // A thread made for this run alone goes with it: the request did nothing.
      this.engine.broker.drop(run.run_id);
      if (createdHere) await store.threads.delete(id).catch(() => undefined);
      throw error;
    }
    try {
      if ((strategy === "interrupt" || strategy === "rollback") && inflight.length > 0) {
        await this.cancel(
          id,
          inflight.map((r) => r.run_id),
          strategy,
        );
      }
    } finally {
      // Claimed in its insert (never with runs in flight): the reserved worker
      // executes it; otherwise it claims as if woken (this run, or an older one).
      if (stored.status === "running") worker?.execute(stored);
      else worker?.release();
    }
    // Only a reserved worker's run can have been claimed in its insert.
    if (stored.status === "running") return stored;
    if ((body.after_seconds ?? 0) > 0) this.engine.scheduleAt(new Date(stored.created_at));
    if (!worker) this.engine.wake();
    this.engine.announceCreated();
    return stored;
  }

  /**
   * The runs a bulk cancel names: `runIds`, or else the active runs of
   * `threadId` (only those with `status`, unless "all"). Each must exist (404).
   */
  async cancelTargets(threadId: string | undefined, runIds: string[] | undefined, status?: "pending" | "running" | "all"): Promise<Run[]> {
    const { metadata: store } = this.persistence;
    if (threadId && !runIds) {
      const active = await store.runs.active(threadId);
      return active.filter((r) => !status || status === "all" || r.status === status);
    }
    const runs: Run[] = [];
    for (const runId of runIds ?? []) {
      const run = await store.runs.get(runId, threadId);
      if (!run) throw runNotFound();
      runs.push(run);
    }
    return runs;
  }

  /**
   * Cancels runs: one executing here aborts; one executing in another
   * process is asked to; a pending one ends without running (rollback:
   * purged), and so does a running one no live process can own. `wait`:
   * resolves once every cancelled run has ended.
   */
  async cancel(threadId: string | undefined, runIds: string[], action: CancelAction, options: { wait?: boolean } = {}): Promise<void> {
    const { metadata: store } = this.persistence;
    const ending: Promise<unknown>[] = [];
    for (const runId of runIds) {
      const run = await store.runs.get(runId, threadId);
      if (!run) throw runNotFound();
      if (run.status !== "pending" && run.status !== "running") continue;
      if (options.wait) ending.push(this.engine.waitFor(runId));
      if (this.engine.abort(runId, action)) continue;
      if (run.status === "pending") {
        if (action === "rollback") await purgeRun(this.persistence, run.thread_id, runId);
        else await store.runs.finish(runId, "interrupted");
        await this.endWithoutExecution(run);
        await this.engine.observer?.discarded(run);
      } else if (!(await this.engine.requestRemoteCancel(runId, action))) {
        // Running, not here, and no other process can be running it: a run
        // left by a process that is gone.
        await store.runs.finish(runId, "interrupted");
        await this.endWithoutExecution(run);
      }
    }
    await Promise.all(ending);
  }

  /** A run that ended without executing here: its thread is recomputed, its waiters and streams released. */
  private async endWithoutExecution(run: Run): Promise<void> {
    await this.engine.recomputeThread(run.thread_id, run, undefined);
    this.engine.release(run.run_id);
  }

  /**
   * The one way to delete a run: cancels it if it is still pending or
   * running, waits for it to stop here, then purges it (write fence first).
   */
  async deleteRun(threadId: string, runId: string): Promise<void> {
    const run = await this.persistence.metadata.runs.get(runId, threadId);
    if (!run) throw runNotFound();
    if (run.status === "pending" || run.status === "running") await this.cancel(threadId, [runId], "interrupt");
    if (this.engine.isRunningHere(runId)) await this.engine.waitFor(runId);
    await purgeRun(this.persistence, threadId, runId);
  }

  /**
   * Waits for the run's end; the result is what /wait and /join return.
   * `created`: the run as this request just created it (/wait), so it need not be read back.
   */
  async join(runId: string, threadId: string | undefined, created?: Run): Promise<unknown> {
    const { metadata: store } = this.persistence;
    const stored = created ?? (await store.runs.get(runId, threadId));
    // A run that ended here before this lookup is answered from its end, as
    // if we had waited for it: its last values (an interrupt included), which
    // the thread's stored values do not carry. A stateless run's end is also
    // the only trace of it left: it deleted its record with its thread.
    const endedHere = this.engine.endedHere(runId);
    const gone = stored ? undefined : endedHere;
    const run = stored ?? (gone?.run.kwargs.temporary && (threadId === undefined || gone.run.thread_id === threadId) ? gone.run : undefined);
    if (!run) throw runNotFound();
    const active = run.status === "pending" || run.status === "running";
    const ended = endedHere?.run.thread_id === run.thread_id ? endedHere : active ? await this.engine.waitFor(runId) : undefined;
    if (ended?.result.outcome === "error" || ended?.result.outcome === "timeout") {
      const e = ended.result.error;
      return { __error__: { error: e instanceof Error ? e.name : "Error", message: e instanceof Error ? e.message : String(e) } };
    }
    if (ended?.result.lastValues !== undefined) return ended.result.lastValues;
    const thread = await store.threads.get(run.thread_id);
    return thread?.values ?? null;
  }
}
