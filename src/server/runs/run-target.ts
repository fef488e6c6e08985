// What a run is created for: its assistant (a graph id stands for the
// graph's system assistant) and its thread (the one named, or a new one),
// read together where the store can (one round trip on PostgreSQL).
import type { Assistant, Persistence, Thread } from "../persistence/types.ts";
import { notFound, threadNotFound } from "../errors.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import { systemAssistantId } from "../graphs/registry.ts";
import type { AuthFilter } from "../auth/types.ts";
import { matchesFilter } from "../auth/filter.ts";
import { v7 as uuid7 } from "uuid";
import type { RunCreateBody } from "./run-service.ts";

export class RunTargets {
  constructor(
    private readonly persistence: Persistence,
    private readonly registry: GraphRegistry,
  ) {}

  /** A graph id is accepted wherever an assistant id is. */
  resolveAssistantId(id: string): string {
    return this.registry.has(id) ? systemAssistantId(id) : id;
  }

  /** The assistant a run would use, or the 404 it would answer. */
  async assertAssistant(idOrGraph: string): Promise<Assistant> {
    const assistantId = this.resolveAssistantId(idOrGraph);
    return this.checkAssistant(idOrGraph, assistantId, await this.persistence.metadata.assistants.get(assistantId));
  }

  /** The assistant and the existing thread (if named) a run is created for; the store reads both at once where it can. */
  async assistantAndThread(idOrGraph: string, threadId: string | undefined): Promise<{ assistant: Assistant; existing?: Thread }> {
    const { metadata: store } = this.persistence;
    if (threadId === undefined || !store.assistantAndThread) {
      const assistant = await this.assertAssistant(idOrGraph);
      return { assistant, existing: threadId !== undefined ? await store.threads.get(threadId) : undefined };
    }
    const assistantId = this.resolveAssistantId(idOrGraph);
    const both = await store.assistantAndThread(assistantId, threadId);
    return { assistant: this.checkAssistant(idOrGraph, assistantId, both.assistant), existing: both.thread };
  }

  private checkAssistant(idOrGraph: string, assistantId: string, assistant: Assistant | undefined): Assistant {
    if (!assistant) {
      throw notFound(`No assistant found for "${idOrGraph}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`);
    }
    if (!this.registry.has(assistant.graph_id)) {
      throw notFound(`Graph "${assistant.graph_id}" of assistant ${assistantId} is not registered on this server`);
    }
    return assistant;
  }

  /**
   * The run's thread: the one named (404 when it is missing, unless
   * if_not_exists is "create", or when it is not the caller's), else a new
   * one; `createdHere` when this request made it.
   */
  async threadFor(
    threadId: string | undefined,
    existing: Thread | undefined,
    body: RunCreateBody,
    assistant: Assistant,
    statelessThreadId: string | undefined,
    filter: AuthFilter | undefined,
  ): Promise<{ thread: Thread; createdHere: boolean }> {
    const { metadata: store } = this.persistence;
    if (threadId !== undefined && !existing && body.if_not_exists !== "create") throw threadNotFound(threadId);
    // Someone else's thread: as if it did not exist.
    if (existing && !matchesFilter(existing.metadata, filter)) throw threadNotFound(existing.thread_id);
    if (existing) return { thread: existing, createdHere: false };
    const id = threadId ?? statelessThreadId ?? uuid7();
    const created = await store.threads.create({
      thread_id: id,
      metadata: { graph_id: assistant.graph_id, assistant_id: assistant.assistant_id, ...(body.metadata ?? {}) },
    });
    const thread = created === "exists" ? await store.threads.get(id) : created;
    if (!thread) throw threadNotFound(id);
    if (created === "exists" && !matchesFilter(thread.metadata, filter)) throw threadNotFound(id);
    return { thread, createdHere: created !== "exists" };
  }
}
