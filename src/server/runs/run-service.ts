// Run creation and control as the API defines them: assistant and thread
// resolution, config merging, multitask strategies, cancel, join.
import { v7 as uuid7 } from "uuid";
import type { Assistant, JsonObject, MultitaskStrategy, Persistence, Run, RunnableConfigRecord } from "../persistence/types.ts";
import { notFound, runNotFound, threadNotFound, unprocessable } from "../errors.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import { systemAssistantId } from "../graphs/registry.ts";
import type { RunEngine } from "./run-engine.ts";
import type { CancelAction } from "./executor.ts";
import { purgeRun } from "./run-purge.ts";
import type { AuthContext, AuthFilter } from "../auth/types.ts";
import { matchesFilter } from "../auth/filter.ts";
import { stampAuthUser, withoutAuthKeys } from "../auth/run-auth.ts";
import { INTERNAL_HEADER_PREFIX } from "../auth/request-auth.ts";

/** Who creates a run (custom auth): stamped into its config; `filter` guards an existing thread. */
export interface RunCaller {
  context?: AuthContext;
  filter?: AuthFilter;
}

export interface RunCreateBody {
  assistant_id: string;
  input?: unknown;
  command?: { resume?: unknown; update?: unknown; goto?: unknown } | null;
  checkpoint_id?: string;
  checkpoint?: JsonObject;
  metadata?: JsonObject;
  config?: RunnableConfigRecord;
  context?: JsonObject;
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

const HIDDEN_HEADERS = new Set(["x-api-key", "x-tenant-id", "x-service-key"]);

/**
 * Webhooks go to http(s) URLs or to a path on this server; anything else
 * (file:, javascript:, data:) is refused when the run is created rather than
 * attempted when it ends.
 */
export function checkWebhook(webhook: string | undefined): void {
  if (webhook === undefined || (webhook.startsWith("/") && !webhook.startsWith("//"))) return;
  let protocol: string;
  try {
    protocol = new URL(webhook).protocol;
  } catch {
    throw unprocessable(`Invalid webhook ${JSON.stringify(webhook.slice(0, 200))}: expected an http(s) URL or a path starting with "/"`);
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw unprocessable(`Invalid webhook ${JSON.stringify(webhook.slice(0, 200))}: only http and https URLs are allowed, got ${protocol}`);
  }
}

/**
 * Where a run starts (a fork's checkpoint) belongs to that run: kept in the
 * thread's config, it made every later run start from the same checkpoint.
 */
const CHECKPOINT_KEYS = new Set(["checkpoint_id", "checkpoint_ns", "checkpoint_map"]);
function withoutCheckpoint(configurable: JsonObject | undefined): JsonObject {
  return Object.fromEntries(Object.entries(configurable ?? {}).filter(([k]) => !CHECKPOINT_KEYS.has(k)));
}

export class RunService {
  constructor(
    private readonly persistence: Persistence,
    private readonly registry: GraphRegistry,
    private readonly engine: RunEngine,
  ) {}

  /** A graph id is accepted wherever an assistant id is. */
  resolveAssistantId(id: string): string {
    return this.registry.has(id) ? systemAssistantId(id) : id;
  }

  /** The assistant a run would use, or the 404 it would answer. */
  async assertAssistant(idOrGraph: string): Promise<Assistant> {
    const assistantId = this.resolveAssistantId(idOrGraph);
    const assistant = await this.persistence.metadata.assistants.get(assistantId);
    if (!assistant) {
      throw notFound(`No assistant found for "${idOrGraph}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`);
    }
    if (!this.registry.has(assistant.graph_id)) {
      throw notFound(`Graph "${assistant.graph_id}" of assistant ${assistantId} is not registered on this server`);
    }
    return assistant;
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
    const assistant = await this.assertAssistant(body.assistant_id);
    const assistantId = assistant.assistant_id;
    const streamMode = Array.isArray(body.stream_mode) ? [...body.stream_mode] : body.stream_mode != null ? [body.stream_mode] : [];
    if (streamMode.length === 0) streamMode.push("values");
    const strategy = body.multitask_strategy ?? "reject";
    const runConfig: RunnableConfigRecord = { ...(body.config ?? {}) };
    // Only the server says who the user is.
    const runConfigurable: JsonObject = { ...withoutAuthKeys(runConfig.configurable ?? {}) };
    if (body.checkpoint_id) runConfigurable.checkpoint_id = body.checkpoint_id;
    if (body.checkpoint) Object.assign(runConfigurable, body.checkpoint);
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      if ((name.startsWith("x-") && !HIDDEN_HEADERS.has(name) && !name.startsWith(INTERNAL_HEADER_PREFIX)) || name === "user-agent") {
        runConfigurable[name] = Array.isArray(value) ? value.join(", ") : value;
      }
    }
    runConfig.configurable = runConfigurable;

    const temporary = threadId === undefined && (body.on_completion ?? "delete") === "delete";
    const runMetadata = body.metadata ?? {};
    let thread = threadId !== undefined ? await store.threads.get(threadId) : undefined;
    if (threadId !== undefined && !thread && body.if_not_exists !== "create") throw threadNotFound(threadId);
    // Someone else's thread: as if it did not exist.
    if (thread && !matchesFilter(thread.metadata, options.caller?.filter)) throw threadNotFound(thread.thread_id);
    const id = threadId ?? options.statelessThreadId ?? uuid7();
    let createdHere = false;
    if (!thread) {
      const created = await store.threads.create({
        thread_id: id,
        metadata: { graph_id: assistant.graph_id, assistant_id: assistantId, ...runMetadata },
      });
      createdHere = created !== "exists";
      thread = created === "exists" ? await store.threads.get(id) : created;
      if (!thread) throw threadNotFound(id);
      if (created === "exists" && !matchesFilter(thread.metadata, options.caller?.filter)) throw threadNotFound(id);
    }

    // Only interrupt and rollback act on the runs in flight. "reject" is
    // decided where the run is written (ifIdle, exact across processes), so
    // a read here would only repeat it.
    const inflight = strategy === "interrupt" || strategy === "rollback" ? await store.runs.active(id) : [];

    const assistantConfigurable = withoutAuthKeys(assistant.config.configurable);
    const threadConfigurable = withoutAuthKeys(thread.config.configurable);
    const threadConfig: RunnableConfigRecord = {
      ...assistant.config,
      ...thread.config,
      ...runConfig,
      configurable: { ...assistantConfigurable, ...withoutCheckpoint(threadConfigurable), ...withoutCheckpoint(runConfigurable) },
    };
    // Written together with the run below (one commit).
    const threadUpdate = { status: "busy" as const, metadata: { graph_id: assistant.graph_id, assistant_id: assistantId }, config: threadConfig };
    thread = { ...thread, ...threadUpdate, metadata: { ...thread.metadata, ...threadUpdate.metadata } };

    const runId = options.runId ?? uuid7();
    const configurable: JsonObject = {
      ...assistantConfigurable,
      ...withoutCheckpoint(threadConfigurable),
      ...runConfigurable,
      run_id: runId,
      thread_id: id,
      graph_id: assistant.graph_id,
      assistant_id: assistantId,
    };
    stampAuthUser(configurable, options.caller?.context);
    const mergedMetadata: JsonObject = { ...assistant.metadata, ...thread.metadata, ...runMetadata };
    const now = Date.now();
    const feedbackKeys = body.feedback_keys == null ? undefined : Array.isArray(body.feedback_keys) ? body.feedback_keys : [body.feedback_keys];
    const run: Run = {
      run_id: runId,
      thread_id: id,
      assistant_id: assistantId,
      created_at: new Date(now + Math.max(0, body.after_seconds ?? 0) * 1000).toISOString(),
      updated_at: new Date(now).toISOString(),
      status: "pending",
      metadata: mergedMetadata,
      multitask_strategy: strategy,
      kwargs: {
        input: body.input,
        command: body.command ?? undefined,
        config: { ...assistant.config, ...runConfig, configurable, metadata: mergedMetadata },
        context: { ...assistant.context, ...(body.context ?? {}) },
        stream_mode: streamMode,
        interrupt_before: body.interrupt_before,
        interrupt_after: body.interrupt_after,
        webhook: body.webhook,
        feedback_keys: feedbackKeys?.length ? feedbackKeys : undefined,
        temporary,
        subgraphs: body.stream_subgraphs ?? false,
        resumable: body.stream_resumable ?? false,
        on_disconnect: body.on_disconnect,
        ...(options.protocol ? { protocol: true } : {}),
      },
    };
    // Open the stream before the run can start, so no event is missed.
    this.engine.broker.open(runId, run.kwargs.resumable, options.streamed === true);
    // "reject" is checked again where the run is written: another process may
    // have created a run on this thread since the read above.
    let stored: Run;
    try {
      stored = await store.runs.create(run, threadUpdate, { ifIdle: strategy === "reject" });
    } catch (error) {
      // A thread made for this run alone goes with it: the request did nothing.
      this.engine.broker.drop(runId);
      if (createdHere) await store.threads.delete(id).catch(() => undefined);
      throw error;
    }
    if ((strategy === "interrupt" || strategy === "rollback") && inflight.length > 0) {
      await this.cancel(
        id,
        inflight.map((r) => r.run_id),
        strategy,
      );
    }
    if ((body.after_seconds ?? 0) > 0) this.engine.scheduleAt(new Date(stored.created_at));
    this.engine.wake();
    this.engine.announceCreated();
    return stored;
  }

  /** Cancels runs of a thread: running ones abort, pending ones end without running. */
  async cancel(threadId: string | undefined, runIds: string[], action: CancelAction): Promise<void> {
    const { metadata: store } = this.persistence;
    for (const runId of runIds) {
      const run = await store.runs.get(runId, threadId);
      if (!run) throw runNotFound();
      if (run.status !== "pending" && run.status !== "running") continue;
      if (this.engine.abort(runId, action)) continue;
      if (run.status === "pending") {
        if (action === "rollback") {
          await purgeRun(this.persistence, run.thread_id, runId);
        } else {
          await store.runs.finish(runId, "interrupted");
        }
        await this.engine.recomputeThread(run.thread_id, run, undefined);
        this.engine.release(runId);
        await this.engine.observer?.discarded(run);
      } else if (!(await this.engine.requestRemoteCancel(runId, action))) {
        // Running, not here, and no other process can be running it: a run
        // left by a process that is gone.
        await store.runs.finish(runId, "interrupted");
        await this.engine.recomputeThread(run.thread_id, run, undefined);
        this.engine.release(runId);
      }
    }
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

  /** Waits for the run's end; the result is what /wait and /join return. */
  async join(runId: string, threadId: string | undefined): Promise<unknown> {
    const { metadata: store } = this.persistence;
    const stored = await store.runs.get(runId, threadId);
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
