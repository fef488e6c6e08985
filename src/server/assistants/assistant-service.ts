// Assistants: what the assistant routes do, behind the HTTP edge: creation
// and changes checked against the registry, custom auth on the `assistants`
// resource (a record the caller's filter hides answers as missing), versions,
// deletion with the assistant's threads, and graph introspection.
import { v4 as uuid4 } from "uuid";
import type {
  Assistant,
  AssistantSearch,
  AssistantVersion,
  IfExists,
  JsonObject,
  MetadataStore,
  RunnableConfigRecord,
} from "../persistence/types.ts";
import { assistantNotFound, conflict, notFound, unprocessable, type HttpError } from "../errors.ts";
import { drawGraph, graphSchemas, graphSubgraphs } from "../graphs/introspection.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import { filterToContainment, matchesFilter } from "../auth/filter.ts";
import type { AuthContext, AuthEvent, AuthFilter } from "../auth/types.ts";

/** Who asks: a request's (or a socket's) authenticated user, if the project has custom auth. */
export interface AssistantCaller {
  auth?: AuthContext;
}

/** What the service needs of custom auth (http/access.ts `Access` is one). */
export interface AssistantAccess {
  check(caller: AssistantCaller, event: AuthEvent, value: Record<string, unknown>): Promise<AuthFilter | undefined>;
  condition(caller: AssistantCaller, event: AuthEvent, value: Record<string, unknown>): Promise<JsonObject | undefined>;
  assistant(caller: AssistantCaller, event: AuthEvent, value: Record<string, unknown>, assistantId: string, miss?: () => HttpError): Promise<void>;
}

export interface AssistantServiceDeps {
  metadata: Pick<MetadataStore, "assistants" | "threads">;
  registry: GraphRegistry;
  /** An assistant id, or a graph id standing for its system assistant (RunService.resolveAssistantId). */
  resolveId(idOrGraph: string): string;
  /** Deletes a thread with its runs and checkpoints (ThreadService.delete). */
  deleteThread(threadId: string): Promise<void>;
  access: AssistantAccess;
}

export interface AssistantCreateInput {
  graph_id: string;
  assistant_id?: string;
  config?: RunnableConfigRecord;
  context?: JsonObject | null;
  metadata?: JsonObject | null;
  if_exists?: IfExists;
  name?: string;
  description?: string | null;
}

export interface AssistantPatchInput {
  graph_id?: string;
  config?: RunnableConfigRecord;
  context?: JsonObject;
  metadata?: JsonObject;
  name?: string;
  description?: string | null;
}

export type AssistantSearchInput = Omit<AssistantSearch, "authFilter" | "limit" | "offset">;

export class AssistantService {
  constructor(private readonly deps: AssistantServiceDeps) {}

  private get store() {
    return this.deps.metadata.assistants;
  }

  private assertGraph(graphId: string): void {
    if (!this.deps.registry.has(graphId)) {
      throw unprocessable(`Graph "${graphId}" is not registered on this server (graphs: ${this.deps.registry.ids().join(", ")})`);
    }
  }

  /** The assistant, if the caller may read it (assistants:read), else 404. */
  async get(caller: AssistantCaller, id: string): Promise<Assistant> {
    const filter = await this.deps.access.check(caller, "assistants:read", { assistant_id: id });
    const assistant = await this.store.get(this.deps.resolveId(id));
    if (!assistant || !matchesFilter(assistant.metadata, filter)) throw assistantNotFound();
    return assistant;
  }

  async create(caller: AssistantCaller, input: AssistantCreateInput): Promise<Assistant> {
    // The auth handler sees (and may stamp) a copy of the metadata.
    const value = {
      assistant_id: input.assistant_id,
      graph_id: input.graph_id,
      config: input.config ?? {},
      context: input.context ?? {},
      metadata: { ...(input.metadata ?? {}) },
      if_exists: input.if_exists,
      name: input.name,
      description: input.description,
    };
    const filter = await this.deps.access.check(caller, "assistants:create", value);
    this.assertGraph(input.graph_id);
    if (filter && input.assistant_id !== undefined) {
      // Someone else's assistant under this id: a conflict, whatever if_exists says.
      const existing = await this.store.get(input.assistant_id);
      if (existing && !matchesFilter(existing.metadata, filter)) throw conflict("Assistant already exists");
    }
    return this.store.create({
      assistant_id: input.assistant_id ?? uuid4(),
      graph_id: input.graph_id,
      config: input.config ?? {},
      context: input.context ?? {},
      metadata: value.metadata ?? {},
      name: input.name,
      description: input.description ?? null,
      if_exists: input.if_exists,
    });
  }

  async search(caller: AssistantCaller, query: AssistantSearchInput, page: { limit: number; offset: number }) {
    const authFilter = await this.deps.access.condition(caller, "assistants:search", { graph_id: query.graph_id, metadata: query.metadata, ...page });
    return this.store.search({ ...query, ...page, authFilter });
  }

  async count(caller: AssistantCaller, filter: { graph_id?: string; name?: string; metadata?: JsonObject }): Promise<number> {
    const authFilter = await this.deps.access.condition(caller, "assistants:search", {
      graph_id: filter.graph_id,
      metadata: filter.metadata,
      limit: 0,
      offset: 0,
    });
    return this.store.count({ ...filter, authFilter });
  }

  async patch(caller: AssistantCaller, id: string, patch: AssistantPatchInput): Promise<Assistant> {
    const metadata = patch.metadata ? { ...patch.metadata } : undefined;
    const value = { assistant_id: id, graph_id: patch.graph_id, config: patch.config, metadata, name: patch.name, description: patch.description };
    await this.deps.access.assistant(caller, "assistants:update", value, id);
    if (patch.graph_id !== undefined) this.assertGraph(patch.graph_id);
    const updated = await this.store.patch(this.deps.resolveId(id), { ...patch, ...(value.metadata ? { metadata: value.metadata } : {}) });
    if (!updated) throw assistantNotFound();
    return updated;
  }

  /** Deletes the assistant and, with `deleteThreads`, the threads it ran on that the caller may delete. Returns its id. */
  async delete(caller: AssistantCaller, id: string, deleteThreads: boolean): Promise<string> {
    await this.deps.access.assistant(caller, "assistants:delete", { assistant_id: id }, id);
    const resolved = this.deps.resolveId(id);
    if (!(await this.store.delete(resolved))) throw assistantNotFound();
    if (deleteThreads) {
      // With custom auth, only the threads the caller may delete: an
      // assistant others used must not take their threads with it.
      const authFilter = await this.deps.access.condition(caller, "threads:delete", { thread_id: undefined });
      for (;;) {
        const { items } = await this.deps.metadata.threads.search({ metadata: { assistant_id: resolved }, authFilter, limit: 1000, offset: 0 });
        if (!items.length) break;
        for (const thread of items) await this.deps.deleteThread(thread.thread_id);
      }
    }
    return resolved;
  }

  async setLatest(caller: AssistantCaller, id: string, version: number): Promise<Assistant> {
    await this.deps.access.assistant(caller, "assistants:update", { assistant_id: id, version }, id);
    const result = await this.store.setLatest(this.deps.resolveId(id), version);
    if (result === "no-assistant") throw assistantNotFound();
    if (result === "no-version") throw notFound("Assistant version not found");
    return result;
  }

  async versions(caller: AssistantCaller, id: string, query: { limit: number; offset: number; metadata?: JsonObject }): Promise<AssistantVersion[]> {
    const resolved = this.deps.resolveId(id);
    const missing = () => notFound(`Assistant "${id}" not found.`);
    const filter = await this.deps.access.check(caller, "assistants:read", { assistant_id: id });
    // The assistant as it is now must be visible, and each version is filtered on its own metadata.
    if (filter) {
      const current = await this.store.get(resolved);
      if (current && !matchesFilter(current.metadata, filter)) throw missing();
    }
    const authFilter = filter ? filterToContainment(filter) : undefined;
    const versions = await this.store.versions(resolved, { ...query, authFilter });
    if (versions.length === 0 && (authFilter || !(await this.store.get(resolved)))) throw missing();
    return versions;
  }

  /** The graph's drawing; `xray`: false, true (one level of subgraphs), or a depth. */
  async graph(caller: AssistantCaller, id: string, xray: boolean | number): Promise<unknown> {
    return drawGraph(this.deps.registry, await this.get(caller, id), xray);
  }

  async schemas(caller: AssistantCaller, id: string) {
    return graphSchemas(this.deps.registry, await this.get(caller, id));
  }

  async subgraphs(caller: AssistantCaller, id: string, namespace: string | undefined, recurse: boolean) {
    return graphSubgraphs(this.deps.registry, await this.get(caller, id), namespace, recurse);
  }
}
