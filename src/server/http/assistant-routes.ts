// Assistants: CRUD, versions, search, and graph introspection.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { v4 as uuid4 } from "uuid";
import type { ServerContext } from "./context.ts";
import type { Assistant, AssistantPatch, JsonObject, RunnableConfigRecord } from "../persistence/types.ts";
import { assistantNotFound, notFound, unprocessable } from "../errors.ts";
import { assistantVersion, config, ifExists, limit, obj, objOrNull, offset, sortOrder, uuid } from "./schemas.ts";
import { drawGraph, graphSchemas, graphSubgraphs } from "../graphs/introspection.ts";
import { Access } from "./access.ts";
import { filterToContainment, matchesFilter } from "../auth/filter.ts";
import { conflict } from "../errors.ts";

const idParams = { type: "object", required: ["assistant_id"], properties: { assistant_id: { type: "string", minLength: 1 } } } as const;

export async function assistantRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const store = ctx.persistence.metadata.assistants;
  const resolve = (id: string) => ctx.runs.resolveAssistantId(id);
  const assertGraph = (graphId: string) => {
    if (!ctx.registry.has(graphId)) {
      throw unprocessable(`Graph "${graphId}" is not registered on this server (graphs: ${ctx.registry.ids().join(", ")})`);
    }
  };
  const access = new Access(ctx);
  /** The assistant, if the caller may read it (assistants:read), else 404. */
  const load = async (request: FastifyRequest, id: string): Promise<Assistant> => {
    const filter = await access.check(request, "assistants:read", { assistant_id: id });
    const assistant = await store.get(resolve(id));
    if (!assistant || !matchesFilter(assistant.metadata, filter)) throw assistantNotFound();
    return assistant;
  };

  app.post<{
    Body: {
      graph_id: string;
      assistant_id?: string;
      config?: RunnableConfigRecord;
      context?: JsonObject;
      metadata?: JsonObject;
      if_exists?: "raise" | "do_nothing";
      name?: string;
      description?: string | null;
    };
  }>(
    "/assistants",
    {
      schema: {
        body: {
          type: "object",
          required: ["graph_id"],
          properties: {
            graph_id: { type: "string", minLength: 1 },
            assistant_id: uuid,
            config,
            context: objOrNull,
            metadata: objOrNull,
            if_exists: ifExists,
            name: { type: "string" },
            description: { type: ["string", "null"] },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const value = {
        assistant_id: b.assistant_id,
        graph_id: b.graph_id,
        config: b.config ?? {},
        context: b.context ?? {},
        metadata: { ...(b.metadata ?? {}) },
        if_exists: b.if_exists,
        name: b.name,
        description: b.description,
      };
      const filter = await access.check(request, "assistants:create", value);
      assertGraph(b.graph_id);
      if (filter && b.assistant_id !== undefined) {
        // Someone else's assistant under this id: a conflict, whatever if_exists says.
        const existing = await store.get(b.assistant_id);
        if (existing && !matchesFilter(existing.metadata, filter)) throw conflict("Assistant already exists");
      }
      return store.create({
        assistant_id: b.assistant_id ?? uuid4(),
        graph_id: b.graph_id,
        config: b.config ?? {},
        context: b.context ?? {},
        metadata: value.metadata ?? {},
        name: b.name,
        description: b.description ?? null,
        if_exists: b.if_exists,
      });
    },
  );

  const searchBody = {
    type: "object",
    properties: {
      graph_id: { type: "string" },
      name: { type: "string" },
      metadata: obj,
      limit,
      offset,
      sort_by: { type: "string", enum: ["assistant_id", "graph_id", "name", "created_at", "updated_at"] },
      sort_order: sortOrder,
      select: { type: "array", items: { type: "string" } },
    },
  } as const;

  app.post<{
    Body:
      | {
          graph_id?: string;
          name?: string;
          metadata?: JsonObject;
          limit?: number;
          offset?: number;
          sort_by?: "assistant_id" | "graph_id" | "name" | "created_at" | "updated_at";
          sort_order?: "asc" | "desc";
          select?: string[];
        }
      | undefined;
  }>("/assistants/search", { schema: { body: searchBody } }, async (request, reply) => {
    const b = request.body ?? {};
    const page = { limit: b.limit ?? 10, offset: b.offset ?? 0 };
    const authFilter = await access.condition(request, "assistants:search", { graph_id: b.graph_id, metadata: b.metadata, ...page });
    const { items, total } = await store.search({ ...b, ...page, authFilter });
    reply.header("x-pagination-total", String(total));
    if (items.length === page.limit && page.offset + page.limit < total) reply.header("x-pagination-next", String(page.offset + page.limit));
    return b.select?.length ? items.map((a) => pick(a, b.select as string[])) : items;
  });

  app.post<{ Body: { graph_id?: string; name?: string; metadata?: JsonObject } | undefined }>(
    "/assistants/count",
    { schema: { body: { type: "object", properties: { graph_id: { type: "string" }, name: { type: "string" }, metadata: obj } } } },
    async (request) => {
      const b = request.body ?? {};
      const authFilter = await access.condition(request, "assistants:search", { graph_id: b.graph_id, metadata: b.metadata, limit: 0, offset: 0 });
      return store.count({ ...b, authFilter });
    },
  );

  app.get<{ Params: { assistant_id: string } }>("/assistants/:assistant_id", { schema: { params: idParams } }, async (request) =>
    load(request, request.params.assistant_id),
  );

  app.patch<{ Params: { assistant_id: string }; Body: AssistantPatch | undefined }>(
    "/assistants/:assistant_id",
    {
      schema: {
        params: idParams,
        body: {
          type: "object",
          properties: {
            graph_id: { type: "string" },
            config,
            context: obj,
            metadata: obj,
            name: { type: "string" },
            description: { type: ["string", "null"] },
          },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      const value = {
        assistant_id: request.params.assistant_id,
        graph_id: b.graph_id,
        config: b.config,
        metadata: b.metadata ? { ...b.metadata } : undefined,
        name: b.name,
        description: b.description,
      };
      await access.assistant(request, "assistants:update", value, request.params.assistant_id);
      if (b.graph_id !== undefined) assertGraph(b.graph_id);
      const updated = await store.patch(resolve(request.params.assistant_id), { ...b, ...(value.metadata ? { metadata: value.metadata } : {}) });
      if (!updated) throw assistantNotFound();
      return updated;
    },
  );

  app.delete<{ Params: { assistant_id: string }; Querystring: { delete_threads?: string } }>(
    "/assistants/:assistant_id",
    { schema: { params: idParams } },
    async (request) => {
      await access.assistant(request, "assistants:delete", { assistant_id: request.params.assistant_id }, request.params.assistant_id);
      const id = resolve(request.params.assistant_id);
      if (!(await store.delete(id))) throw assistantNotFound();
      if (["true", "1", "yes"].includes(request.query.delete_threads ?? "")) {
        const threads = ctx.persistence.metadata.threads;
        // With custom auth, only the threads the caller may delete: an
        // assistant others used must not take their threads with it.
        const authFilter = await access.condition(request, "threads:delete", { thread_id: undefined });
        for (;;) {
          const { items } = await threads.search({ metadata: { assistant_id: id }, authFilter, limit: 1000, offset: 0 });
          if (!items.length) break;
          for (const t of items) await ctx.threads.delete(t.thread_id);
        }
      }
      return [id];
    },
  );

  app.post<{ Params: { assistant_id: string }; Body: { version: number } }>(
    "/assistants/:assistant_id/latest",
    { schema: { params: idParams, body: { type: "object", required: ["version"], properties: { version: assistantVersion } } } },
    async (request) => {
      await access.assistant(
        request,
        "assistants:update",
        { assistant_id: request.params.assistant_id, version: request.body.version },
        request.params.assistant_id,
      );
      const result = await store.setLatest(resolve(request.params.assistant_id), request.body.version);
      if (result === "no-assistant") throw assistantNotFound();
      if (result === "no-version") throw notFound("Assistant version not found");
      return result;
    },
  );

  app.post<{ Params: { assistant_id: string }; Body: { limit?: number; offset?: number; metadata?: JsonObject } | undefined }>(
    "/assistants/:assistant_id/versions",
    { schema: { params: idParams, body: { type: "object", properties: { limit, offset, metadata: obj } } } },
    async (request) => {
      const b = request.body ?? {};
      const id = resolve(request.params.assistant_id);
      const missing = () => notFound(`Assistant "${request.params.assistant_id}" not found.`);
      const filter = await access.check(request, "assistants:read", { assistant_id: request.params.assistant_id });
      // The assistant as it is now must be visible, and each version is filtered on its own metadata.
      if (filter) {
        const current = await store.get(id);
        if (current && !matchesFilter(current.metadata, filter)) throw missing();
      }
      const authFilter = filter ? filterToContainment(filter) : undefined;
      const versions = await store.versions(id, { limit: b.limit ?? 10, offset: b.offset ?? 0, metadata: b.metadata, authFilter });
      if (versions.length === 0 && (authFilter || !(await store.get(id)))) throw missing();
      return versions;
    },
  );

  app.get<{ Params: { assistant_id: string }; Querystring: { xray?: string } }>(
    "/assistants/:assistant_id/graph",
    { schema: { params: idParams } },
    async (request) => {
      const assistant = await load(request, request.params.assistant_id);
      const xray = request.query.xray;
      const depth = xray === undefined || ["false", "0", "no", ""].includes(xray) ? false : /^\d+$/.test(xray) && xray !== "1" ? Number(xray) : true;
      return drawGraph(ctx.registry, assistant, depth);
    },
  );

  app.get<{ Params: { assistant_id: string } }>("/assistants/:assistant_id/schemas", { schema: { params: idParams } }, async (request) => {
    const assistant = await load(request, request.params.assistant_id);
    return graphSchemas(ctx.registry, assistant);
  });

  const subgraphsHandler = async (request: FastifyRequest, assistantId: string, namespace: string | undefined, recurse: string | undefined) => {
    const assistant = await load(request, assistantId);
    return graphSubgraphs(ctx.registry, assistant, namespace, ["true", "1", "yes"].includes(recurse ?? ""));
  };
  app.get<{ Params: { assistant_id: string }; Querystring: { recurse?: string; namespace?: string } }>(
    "/assistants/:assistant_id/subgraphs",
    { schema: { params: idParams } },
    async (request) => subgraphsHandler(request, request.params.assistant_id, request.query.namespace, request.query.recurse),
  );
  app.get<{ Params: { assistant_id: string; namespace: string }; Querystring: { recurse?: string } }>(
    "/assistants/:assistant_id/subgraphs/:namespace",
    async (request) => subgraphsHandler(request, request.params.assistant_id, request.params.namespace, request.query.recurse),
  );
}

function pick<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => keys.includes(k))) as Partial<T>;
}
