// The key-value store graphs share (LangGraph's BaseStore), over HTTP.
import type { FastifyInstance } from "fastify";
import type { Item } from "@langchain/langgraph-checkpoint";
import type { ServerContext } from "./context.ts";
import { badRequest } from "../errors.ts";
import { limit, obj, offset, strArray } from "./schemas.ts";
import { checkStoreKey, checkStoreNamespace, MAX_STORE_NAMESPACE_LABELS } from "../persistence/store-address.ts";

function checkNamespace(namespace: string[]): void {
  if (namespace.length === 0) throw badRequest("Namespace is required");
  checkStoreNamespace(namespace);
}

/** Prefixes and suffixes follow the same rules as stored namespaces ("*" stands for any one label). */
function checkPattern(labels: string[] | undefined): void {
  if (labels?.length) checkStoreNamespace(labels);
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

  app.put<{ Body: { namespace: string[]; key: string; value: Record<string, unknown> } }>(
    "/store/items",
    { schema: { body: { type: "object", required: ["namespace", "key", "value"], properties: { namespace: strArray, key: { type: "string", minLength: 1 }, value: obj, index: {}, ttl: {} } } } },
    async (request, reply) => {
      checkNamespace(request.body.namespace);
      checkStoreKey(request.body.key);
      await store.put(request.body.namespace, request.body.key, request.body.value);
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: { namespace?: string; key: string } }>(
    "/store/items",
    { schema: { querystring: { type: "object", required: ["key"], properties: { namespace: { type: "string" }, key: { type: "string", minLength: 1 } } } } },
    async (request, reply) => {
      const namespace = request.query.namespace ? request.query.namespace.split(".") : [];
      checkNamespace(namespace);
      checkStoreKey(request.query.key);
      const item = await store.get(namespace, request.query.key);
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
      checkStoreKey(request.body.key);
      await store.delete(namespace, request.body.key);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: { namespace_prefix?: string[]; filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string } | undefined }>(
    "/store/items/search",
    {
      schema: {
        body: {
          type: "object",
          properties: { namespace_prefix: strArray, filter: obj, limit, offset, query: { type: "string" } },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      checkPattern(b.namespace_prefix);
      const items = await store.search(b.namespace_prefix ?? [], { filter: b.filter, limit: b.limit ?? 10, offset: b.offset ?? 0, query: b.query });
      return { items: items.map(itemView) };
    },
  );

  app.post<{ Body: { prefix?: string[]; suffix?: string[]; max_depth?: number; limit?: number; offset?: number } | undefined }>(
    "/store/namespaces",
    {
      schema: {
        body: {
          type: "object",
          properties: { prefix: strArray, suffix: strArray, max_depth: { type: "integer", minimum: 1, maximum: MAX_STORE_NAMESPACE_LABELS }, limit, offset },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      checkPattern(b.prefix);
      checkPattern(b.suffix);
      const namespaces = await store.listNamespaces({ prefix: b.prefix, suffix: b.suffix, maxDepth: b.max_depth, limit: b.limit ?? 100, offset: b.offset ?? 0 });
      return { namespaces };
    },
  );
}
