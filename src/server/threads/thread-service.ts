// Thread lifecycle and state: create (with supersteps), delete (cancelling
// its runs first), copy, state read/write and history, on the graph the
// thread belongs to.
import { v7 as uuid7 } from "uuid";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { JsonObject, Persistence, Run, Thread } from "../persistence/types.ts";
import { HttpError, badRequest, conflict, threadNotFound } from "../errors.ts";
import type { CompiledGraph, GraphRegistry } from "../graphs/registry.ts";
import { toCommand } from "../graphs/command.ts";
import { serializeJson } from "../serialize.ts";
import { fenceRunWrites } from "../persistence/instrumented-saver.ts";
import type { ThreadStateCache } from "./state-cache.ts";
import { EMPTY_THREAD_STATE, toApiThreadState, computeThreadFromState, type ApiThreadState } from "./thread-state.ts";

export interface SuperstepUpdate {
  values?: unknown;
  command?: { resume?: unknown; update?: unknown; goto?: unknown } | null;
  as_node: string;
}

export interface CheckpointSelector {
  checkpoint_id?: string;
  checkpoint_ns?: string;
  checkpoint_map?: JsonObject | null;
}

/**
 * A checkpoint LangGraph cannot restore (a graph wrote a value its serializer
 * cannot round-trip): say so instead of a bare TypeError. The database is fine.
 */
function unreadable(threadId: string, error: unknown): never {
  if (error instanceof HttpError) throw error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) {
    throw new HttpError(422, `The state of thread ${threadId} cannot be read: a checkpoint holds a value its serializer cannot restore (${message})`);
  }
  throw error;
}

/** LangGraph's own pseudo-nodes for updates: copy a checkpoint, write as input. */
const PSEUDO_NODES = new Set(["__copy__", "__input__"]);

function checkSuperstepNodes(graph: CompiledGraph, supersteps: { updates: SuperstepUpdate[] }[]): void {
  for (const step of supersteps) {
    for (const update of step.updates) {
      if (!PSEUDO_NODES.has(update.as_node) && !(update.as_node in graph.nodes)) {
        throw new HttpError(422, `Node "${update.as_node}" does not exist`);
      }
    }
  }
}

/**
 * What deleting a thread needs of the run engine (runs/run-engine.ts), which
 * is wired in by app.ts: threads do not depend on the runs module.
 */
export interface ThreadRunControl {
  /** Stops the thread's runs: those executing here (resolves when they have let go) and, through the bus, elsewhere. */
  stopThreadRuns(threadId: string, runs: Run[]): Promise<void>;
}

export class ThreadService {
  constructor(
    private readonly persistence: Persistence,
    private readonly registry: GraphRegistry,
    private readonly engine: ThreadRunControl,
    private readonly cache?: ThreadStateCache,
  ) {}

  /** The latest state as JSON text (cached where one process owns the data). */
  async latestStateJson(threadId: string): Promise<string> {
    const cached = this.cache?.get(threadId);
    if (cached !== undefined) {
      // The thread may have been deleted since: the cache must not resurrect it.
      if (await this.persistence.metadata.threads.get(threadId)) return cached;
      this.cache?.invalidate(threadId);
    }
    const token = this.cache?.token(threadId) ?? 0;
    const state = await this.state(threadId, {});
    const json = serializeJson(state);
    this.cache?.set(threadId, json, token);
    return json;
  }

  async get(threadId: string): Promise<Thread> {
    const thread = await this.persistence.metadata.threads.get(threadId);
    if (!thread) throw threadNotFound(threadId);
    return thread;
  }

  /**
   * Creates a thread, with its supersteps applied, or nothing at all: a
   * superstep naming an unknown node is refused before anything is written,
   * and a failure while applying them removes the checkpoints written so far
   * and the thread record, so the same request can be retried (it used to
   * leave the thread half-created, and the retry got a 409).
   */
  async create(body: {
    thread_id?: string;
    metadata?: JsonObject;
    if_exists?: "raise" | "do_nothing";
    supersteps?: { updates: SuperstepUpdate[] }[];
  }): Promise<Thread> {
    const threadId = body.thread_id ?? uuid7();
    const metadata = body.metadata ?? {};
    let graph: CompiledGraph | undefined;
    if (body.supersteps?.length) {
      if (body.thread_id !== undefined && (await this.persistence.metadata.threads.get(threadId))) return this.existing(threadId, body.if_exists);
      const graphId = metadata.graph_id;
      if (typeof graphId !== "string") throw badRequest(`Thread ${threadId} has no graph ID`);
      graph = await this.graphOf({ thread_id: threadId, metadata, config: {} });
      checkSuperstepNodes(graph, body.supersteps);
    }
    const created = await this.persistence.metadata.threads.create({ thread_id: threadId, metadata });
    if (created === "exists") return this.existing(threadId, body.if_exists);
    if (!graph || !body.supersteps?.length) return created;
    try {
      await graph.bulkUpdateState(
        { configurable: { thread_id: threadId, checkpoint_ns: "" } },
        body.supersteps.map((step) => ({
          updates: step.updates.map((u) => ({
            values: u.command != null ? toCommand(u.command) : u.values,
            asNode: u.as_node,
          })),
        })),
      );
      return await this.refresh(threadId, graph);
    } catch (error) {
      await this.persistence.checkpoints.deleteThread(threadId);
      await this.persistence.metadata.threads.delete(threadId);
      throw error;
    }
  }

  private async existing(threadId: string, ifExists: "raise" | "do_nothing" | undefined): Promise<Thread> {
    if (ifExists === "do_nothing") return this.get(threadId);
    throw conflict("Thread already exists");
  }

  /** Deletes a thread after cancelling its runs; its checkpoints go with it. */
  async delete(threadId: string): Promise<void> {
    const { metadata, checkpoints } = this.persistence;
    if (!(await metadata.threads.get(threadId))) throw threadNotFound(threadId);
    const active = await metadata.runs.active(threadId);
    // The record (and, cascading, its runs) first: no worker can claim them after this.
    await metadata.threads.delete(threadId);
    // Runs executing here may still write checkpoints: stop them, let no late
    // write of theirs land (LangGraph finishes pending writes after an
    // abort), then delete those.
    await this.engine.stopThreadRuns(threadId, active);
    await Promise.all(active.map((run) => fenceRunWrites(this.persistence.checkpointer, run.run_id)));
    await checkpoints.deleteThread(threadId);
    await this.persistence.threadEvents.deleteThread(threadId);
  }

  /** `prepare` sees the copy before it is written (custom auth: refuse it, or stamp its metadata). */
  async copy(threadId: string, prepare?: (draft: { thread_id: string; metadata: JsonObject }) => Promise<void>): Promise<Thread> {
    const { metadata, checkpoints } = this.persistence;
    const source = await metadata.threads.get(threadId);
    // The reference answers 409 here; a missing thread is a 404 to everyone else.
    if (!source) throw threadNotFound(threadId);
    const newId = uuid7();
    const draft = { thread_id: newId, metadata: { ...source.metadata, thread_id: newId } };
    await prepare?.(draft);
    const created = await metadata.threads.create({ thread_id: newId, metadata: draft.metadata ?? {} });
    if (created === "exists") throw conflict("Thread already exists");
    try {
      await checkpoints.copyThread(threadId, newId);
      const copied = await metadata.threads.update(newId, {
        values: source.values ?? undefined,
        interrupts: source.interrupts,
        config: source.config,
        status: "idle",
      });
      return copied ?? created;
    } catch (error) {
      // No half copy: a thread without its checkpoints would look like an empty one.
      await checkpoints.deleteThread(newId).catch(() => undefined);
      await metadata.threads.delete(newId).catch(() => undefined);
      throw error;
    }
  }

  private async graphOf(thread: Pick<Thread, "thread_id" | "metadata" | "config">): Promise<CompiledGraph> {
    const graphId = thread.metadata.graph_id as string;
    if (!this.registry.has(graphId)) throw badRequest(`Graph "${graphId}" of thread ${thread.thread_id} is not registered on this server`);
    return this.registry.get(graphId, thread.config as RunnableConfig);
  }

  private async refresh(threadId: string, graph: CompiledGraph): Promise<Thread> {
    const state = await graph.getState({ configurable: { thread_id: threadId } });
    const computed = computeThreadFromState(state);
    const updated = await this.persistence.metadata.threads.update(threadId, {
      values: computed.values,
      interrupts: computed.interrupts,
      ...(computed.hasNext ? { status: "interrupted" as const } : {}),
    });
    return updated ?? this.get(threadId);
  }

  async state(threadId: string, options: { subgraphs?: boolean; checkpoint?: CheckpointSelector }): Promise<ApiThreadState> {
    const thread = await this.get(threadId);
    if (typeof thread.metadata.graph_id !== "string") return EMPTY_THREAD_STATE;
    const graph = await this.graphOf(thread);
    const config = { configurable: { ...(options.checkpoint ?? {}), thread_id: threadId } };
    const state = await graph.getState(config, { subgraphs: options.subgraphs ?? false }).catch((error: unknown) => unreadable(threadId, error));
    return toApiThreadState(state);
  }

  async updateState(
    threadId: string,
    body: { values?: unknown; as_node?: string; checkpoint_id?: string; checkpoint?: CheckpointSelector },
  ): Promise<{ checkpoint: Record<string, unknown> | undefined }> {
    const thread = await this.get(threadId);
    const active = await this.persistence.metadata.runs.active(threadId);
    if (active.length > 0) throw conflict("Thread is busy");
    if (typeof thread.metadata.graph_id !== "string") throw badRequest(`Thread ${threadId} has no graph ID`);
    const graph = await this.graphOf(thread);
    const configurable: Record<string, unknown> = { checkpoint_ns: "", ...(body.checkpoint ?? {}), thread_id: threadId };
    if (body.checkpoint_id) configurable.checkpoint_id = body.checkpoint_id;
    const next = await graph.updateState({ configurable }, body.values as Record<string, unknown>, body.as_node);
    await this.refresh(threadId, graph);
    return { checkpoint: next.configurable as Record<string, unknown> | undefined };
  }

  async history(
    threadId: string,
    options: { limit: number; before?: string | { configurable?: JsonObject }; metadata?: JsonObject; checkpoint?: CheckpointSelector },
  ): Promise<ApiThreadState[]> {
    const thread = await this.get(threadId);
    if (typeof thread.metadata.graph_id !== "string") return [];
    const graph = await this.graphOf(thread);
    const before =
      options.before === undefined
        ? undefined
        : typeof options.before === "string"
          ? { configurable: { thread_id: threadId, checkpoint_id: options.before } }
          : { configurable: { thread_id: threadId, ...options.before.configurable } };
    const out: ApiThreadState[] = [];
    const config = { configurable: { checkpoint_ns: "", ...(options.checkpoint ?? {}), thread_id: threadId } };
    try {
      for await (const state of graph.getStateHistory(config, { limit: options.limit, before, filter: options.metadata })) {
        out.push(toApiThreadState(state));
        if (out.length >= options.limit) break;
      }
    } catch (error) {
      unreadable(threadId, error);
    }
    return out;
  }
}
