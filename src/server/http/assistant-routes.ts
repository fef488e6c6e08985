// Assistants: CRUD, versions, search, and graph introspection.
import type { FastifyInstance } from "fastify";
import { v4 as uuid4 } from "uuid";
import type { ServerContext } from "./context.ts";
import type { Assistant, AssistantPatch, JsonObject, RunnableConfigRecord } from "../persistence/types.ts";
import { assistantNotFound, notFound, unprocessable } from "../errors.ts";
import { assistantVersion, config, ifExists, limit, obj, objOrNull, offset, sortOrder, uuid } from "./schemas.ts";
import { drawGraph, graphSchemas, graphSubgraphs } from "../graphs/introspection.ts";

const idParams = { type: "object", required: ["assistant_id"], properties: { assistant_id: { type: "string", minLength: 1 } } } as const;

export async function assistantRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const store = ctx.persistence.metadata.assistants;
  const resolve = (id: string) => ctx.runs.resolveAssistantId(id);
  const assertGraph = (graphId: string) => {
    if (!ctx.registry.has(graphId)) {
      throw unprocessable(`Graph "${graphId}" is not registered on this server (graphs: ${ctx.registry.ids().join(", ")})`);
    }
  };
  const load = async (id: string): Promise<Assistant> => {
    const assistant = await store.get(resolve(id));
    if (!assistant) throw assistantNotFound();
    return assistant;
  };

  app.post<{ Body: { graph_id: string; assistant_id?: string; config?: RunnableConfigRecord; context?: JsonObject; metadata?: JsonObject; if_exists?: "raise" | "do_nothing"; name?: string; description?: string | null } }>(
    "/assistants",
    {
      schema: {
        body: {
          type: "object",
          required: ["graph_id"],
          properties: { graph_id: { type: "string", minLength: 1 }, assistant_id: uuid, config, context: objOrNull, metadata: objOrNull, if_exists: ifExists, name: { type: "string" }, description: { type: ["string", "null"] } },
        },
      },
    },
    async (request) => {
      const b = request.body;
      assertGraph(b.graph_id);
      return store.create({
        assistant_id: b.assistant_id ?? uuid4(),
        graph_id: b.graph_id,
        config: b.config ?? {},
        context: b.context ?? {},
        metadata: b.metadata ?? {},
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

  app.post<{ Body: { graph_id?: string; name?: string; metadata?: JsonObject; limit?: number; offset?: number; sort_by?: "assistant_id" | "graph_id" | "name" | "created_at" | "updated_at"; sort_order?: "asc" | "desc"; select?: string[] } | undefined }>(
    "/assistants/search",
    { schema: { body: searchBody } },
    async (request, reply) => {
      const b = request.body ?? {};
      const page = { limit: b.limit ?? 10, offset: b.offset ?? 0 };
      const { items, total } = await store.search({ ...b, ...page });
      reply.header("x-pagination-total", String(total));
      if (items.length === page.limit && page.offset + page.limit < total) reply.header("x-pagination-next", String(page.offset + page.limit));
      return b.select?.length ? items.map((a) => pick(a, b.select as string[])) : items;
    },
  );

  app.post<{ Body: { graph_id?: string; name?: string; metadata?: JsonObject } | undefined }>(
    "/assistants/count",
    { schema: { body: { type: "object", properties: { graph_id: { type: "string" }, name: { type: "string" }, metadata: obj } } } },
    async (request) => store.count(request.body ?? {}),
  );

  app.get<{ Params: { assistant_id: string } }>("/assistants/:assistant_id", { schema: { params: idParams } }, async (request) => load(request.params.assistant_id));

  app.patch<{ Params: { assistant_id: string }; Body: AssistantPatch | undefined }>(
    "/assistants/:assistant_id",
    {
      schema: {
        params: idParams,
        body: { type: "object", properties: { graph_id: { type: "string" }, config, context: obj, metadata: obj, name: { type: "string" }, description: { type: ["string", "null"] } } },
      },
    },
    async (request) => {
      if (request.body?.graph_id !== undefined) assertGraph(request.body.graph_id);
      const updated = await store.patch(resolve(request.params.assistant_id), request.body ?? {});
      if (!updated) throw assistantNotFound();
      return updated;
    },
  );

  app.delete<{ Params: { assistant_id: string }; Querystring: { delete_threads?: string } }>(
    "/assistants/:assistant_id",
    { schema: { params: idParams } },
    async (request) => {
      const id = resolve(request.params.assistant_id);
      if (!(await store.delete(id))) throw assistantNotFound();
      if (["true", "1", "yes"].includes(request.query.delete_threads ?? "")) {
        const threads = ctx.persistence.metadata.threads;
        for (;;) {
          const { items } = await threads.search({ metadata: { assistant_id: id }, limit: 1000, offset: 0 });
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
      const versions = await store.versions(id, { limit: b.limit ?? 10, offset: b.offset ?? 0, metadata: b.metadata });
      if (versions.length === 0 && !(await store.get(id))) throw notFound(`Assistant "${request.params.assistant_id}" not found.`);
      return versions;
    },
  );

  app.get<{ Params: { assistant_id: string }; Querystring: { xray?: string } }>(
    "/assistants/:assistant_id/graph",
    { schema: { params: idParams } },
    async (request) => {
      const assistant = await load(request.params.assistant_id);
      const xray = request.query.xray;
      const depth = xray === undefined || ["false", "0", "no", ""].includes(xray) ? false : /^\d+$/.test(xray) && xray !== "1" ? Number(xray) : true;
      return drawGraph(ctx.registry, assistant, depth);
    },
  );

  app.get<{ Params: { assistant_id: string } }>("/assistants/:assistant_id/schemas", { schema: { params: idParams } }, async (request) => {
    const assistant = await load(request.params.assistant_id);
    return graphSchemas(ctx.registry, assistant);
  });

  const subgraphsHandler = async (assistantId: string, namespace: string | undefined, recurse: string | undefined) => {
    const assistant = await load(assistantId);
    return graphSubgraphs(ctx.registry, assistant, namespace, ["true", "1", "yes"].includes(recurse ?? ""));
  };
  app.get<{ Params: { assistant_id: string }; Querystring: { recurse?: string; namespace?: string } }>(
    "/assistants/:assistant_id/subgraphs",
    { schema: { params: idParams } },
    async (request) => subgraphsHandler(request.params.assistant_id, request.query.namespace, request.query.recurse),
  );
  app.get<{ Params: { assistant_id: string; namespace: string }; Querystring: { recurse?: string } }>(
    "/assistants/:assistant_id/subgraphs/:namespace",
    async (request) => subgraphsHandler(request.params.assistant_id, request.params.namespace, request.query.recurse),
  );
}

function pick<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => keys.includes(k))) as Partial<T>;
}
