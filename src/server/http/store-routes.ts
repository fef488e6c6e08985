// The key-value store graphs share (LangGraph's BaseStore), over HTTP.
import type { FastifyInstance } from "fastify";
import type { Item, Operation } from "@langchain/langgraph-checkpoint";
import type { ServerContext } from "./context.ts";
import { badRequest, unprocessable } from "../errors.ts";
import { obj, strArray } from "./schemas.ts";
import { MAX_TTL_MINUTES } from "../ttl/ttl-service.ts";

function checkNamespace(namespace: string[]): void {
  if (namespace.length === 0) throw badRequest("Namespace is required");
  for (const label of namespace) {
    if (label === "" || label.includes(".")) throw unprocessable(`Namespace labels cannot be empty or contain periods. Received: ${JSON.stringify(namespace)}`);
  }
}

const itemView = (item: Item & { score?: number }) => ({
  namespace: item.namespace,
  key: item.key,
  value: item.value,
  created_at: item.createdAt instanceof Date ? item.createdAt.toISOString() : item.createdAt,
  updated_at: item.updatedAt instanceof Date ? item.updatedAt.toISOString() : item.updatedAt,
  ...(item.score !== undefined ? { score: item.score } : {}),
});

export async function storeRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const store = ctx.persistence.store;

  app.put<{ Body: { namespace: string[]; key: string; value: Record<string, unknown>; ttl?: number | null } }>(
    "/store/items",
    {
      schema: {
        body: {
          type: "object",
          required: ["namespace", "key", "value"],
          properties: { namespace: strArray, key: { type: "string", minLength: 1 }, value: obj, index: {}, ttl: { type: ["number", "null"], minimum: 0, maximum: MAX_TTL_MINUTES } },
        },
      },
    },
    async (request, reply) => {
      checkNamespace(request.body.namespace);
      await ctx.ttl.putItem(request.body.namespace, request.body.key, request.body.value, request.body.ttl);
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: { namespace?: string; key: string; refresh_ttl?: string } }>(
    "/store/items",
    {
      schema: {
        querystring: {
          type: "object",
          required: ["key"],
          properties: { namespace: { type: "string" }, key: { type: "string", minLength: 1 }, refresh_ttl: { type: "string", enum: ["true", "false", "1", "0"] } },
        },
      },
    },
    async (request, reply) => {
      for (const field of ["namespace", "key"] as const) {
        if (request.query[field]?.includes("\u0000")) throw unprocessable(`Invalid querystring: '${field}' contains a NUL character`);
      }
      const namespace = request.query.namespace ? request.query.namespace.split(".") : [];
      checkNamespace(namespace);
      // A get operation of our own: it carries refresh_ttl to the store (../persistence/store-reads.ts).
      const refreshTtl = request.query.refresh_ttl === undefined ? undefined : ["true", "1"].includes(request.query.refresh_ttl);
      const [item] = (await store.batch([{ namespace, key: request.query.key, refreshTtl } as Operation])) as (Item | null)[];
      // JSON null (not a 404) when missing, as the reference answers.
      return reply.type("application/json").send(item ? JSON.stringify(itemView(item)) : "null");
    },
  );

  app.delete<{ Body: { namespace?: string[]; key: string } }>(
    "/store/items",
    { schema: { body: { type: "object", required: ["key"], properties: { namespace: strArray, key: { type: "string", minLength: 1 } } } } },
    async (request, reply) => {
      const namespace = request.body.namespace ?? [];
      checkNamespace(namespace);
      await store.delete(namespace, request.body.key);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: { namespace_prefix?: string[]; filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string; refresh_ttl?: boolean | null } | undefined }>(
    "/store/items/search",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            namespace_prefix: strArray,
            filter: obj,
            limit: { type: "integer", minimum: 1, maximum: 1000 },
            offset: { type: "integer", minimum: 0 },
            query: { type: "string" },
            refresh_ttl: { type: ["boolean", "null"] },
          },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      const options = { filter: b.filter, limit: b.limit ?? 10, offset: b.offset ?? 0, query: b.query, refreshTtl: b.refresh_ttl ?? undefined };
      const items = await store.search(b.namespace_prefix ?? [], options);
      return { items: items.map(itemView) };
    },
  );

  app.post<{ Body: { prefix?: string[]; suffix?: string[]; max_depth?: number; limit?: number; offset?: number } | undefined }>(
    "/store/namespaces",
    {
      schema: {
        body: {
          type: "object",
          properties: { prefix: strArray, suffix: strArray, max_depth: { type: "integer", minimum: 1 }, limit: { type: "integer", minimum: 1, maximum: 1000 }, offset: { type: "integer", minimum: 0 } },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      const namespaces = await store.listNamespaces({ prefix: b.prefix, suffix: b.suffix, maxDepth: b.max_depth, limit: b.limit ?? 100, offset: b.offset ?? 0 });
      return { namespaces };
    },
  );
}
