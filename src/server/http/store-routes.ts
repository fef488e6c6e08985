// The key-value store graphs share (LangGraph's BaseStore), over HTTP.
import type { FastifyInstance } from "fastify";
import type { Item, Operation } from "@langchain/langgraph-checkpoint";
import type { ServerContext } from "./context.ts";
import { HttpError, badRequest, forbidden, notFound } from "../errors.ts";
import { limit, obj, offset, strArray } from "./schemas.ts";
import { checkStoreKey, checkStoreNamespace, MAX_STORE_NAMESPACE_LABELS } from "../persistence/store-address.ts";
import { Access } from "./access.ts";
import { matchesFilter } from "../auth/filter.ts";
import type { AuthFilter } from "../auth/types.ts";

// With a filter, candidates are read in pages and filtered here (items are
// matched on {...value, namespace, key}, which no store index covers), up to
// a bound, as the reference does.
const SCAN_PAGE = 1000;
const SCAN_MAX = 10_000;
const scanLimitReached = () => new HttpError(400, "Authenticated store query exceeded maximum scan limit. Narrow the namespace or filters.");

/** What a store filter is matched against. */
const storeSubject = (namespace: string[], key?: string, value?: Record<string, unknown> | null) => ({
  ...(value ?? {}),
  namespace,
  ...(key === undefined ? {} : { key }),
});

/** Reads pages from `fetch` until `offset + limit` matches are found (or the candidates end). */
async function scanFiltered<T>(
  fetch: (limit: number, offset: number) => Promise<T[]>,
  keep: (item: T) => boolean,
  limit: number,
  offset: number,
): Promise<T[]> {
  const kept: T[] = [];
  let scanned = 0;
  while (kept.length < offset + limit) {
    if (scanned >= SCAN_MAX) throw scanLimitReached();
    const page = await fetch(Math.min(SCAN_PAGE, SCAN_MAX - scanned), scanned);
    scanned += page.length;
    kept.push(...page.filter(keep));
    if (page.length < SCAN_PAGE) break;
  }
  return kept.slice(offset, offset + limit);
}
import { MAX_TTL_MINUTES } from "../ttl/ttl-service.ts";

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
  const access = new Access(ctx);
  const itemMatches = (item: Item, filter: AuthFilter | undefined) => matchesFilter(storeSubject(item.namespace, item.key, item.value), filter);

  app.put<{ Body: { namespace: string[]; key: string; value: Record<string, unknown>; ttl?: number | null } }>(
    "/store/items",
    {
      schema: {
        body: {
          type: "object",
          required: ["namespace", "key", "value"],
          properties: {
            namespace: strArray,
            key: { type: "string", minLength: 1 },
            value: obj,
            index: {},
            ttl: { type: ["number", "null"], minimum: 0, maximum: MAX_TTL_MINUTES },
          },
        },
      },
    },
    async (request, reply) => {
      checkNamespace(request.body.namespace);
      checkStoreKey(request.body.key);
      const value = { namespace: [...request.body.namespace], key: request.body.key, value: request.body.value };
      const filter = await access.check(request, "store:put", value);
      // A handler may move the item (namespace, key) or rewrite its value.
      checkNamespace(value.namespace);
      if (filter) {
        const existing = await store.get(value.namespace, value.key);
        if (existing && !itemMatches(existing, filter)) throw notFound("Item not found");
        if (!existing && !matchesFilter(storeSubject(value.namespace, value.key, value.value), filter)) throw forbidden("Not authorized");
      }
      checkStoreKey(value.key);
      await ctx.ttl.putItem(value.namespace, value.key, value.value, request.body.ttl);
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
          properties: {
            namespace: { type: "string" },
            key: { type: "string", minLength: 1 },
            refresh_ttl: { type: "string", enum: ["true", "false", "1", "0"] },
          },
        },
      },
    },
    async (request, reply) => {
      const requested = request.query.namespace ? request.query.namespace.split(".") : [];
      checkNamespace(requested);
      checkStoreKey(request.query.key);
      const value = { namespace: requested, key: request.query.key };
      const filter = await access.check(request, "store:get", value);
      checkNamespace(value.namespace);
      // A get operation of our own: it carries refresh_ttl to the store (../persistence/store-reads.ts).
      const refreshTtl = request.query.refresh_ttl === undefined ? undefined : ["true", "1"].includes(request.query.refresh_ttl);
      const [item] = (await store.batch([{ namespace: value.namespace, key: value.key, refreshTtl } as Operation])) as (Item | null)[];
      if (item && !itemMatches(item, filter)) throw notFound("Item not found");
      // JSON null (not a 404) when missing, as the reference answers.
      return reply.type("application/json").send(item ? JSON.stringify(itemView(item)) : "null");
    },
  );

  app.delete<{ Body: { namespace?: string[]; key: string } }>(
    "/store/items",
    { schema: { body: { type: "object", required: ["key"], properties: { namespace: strArray, key: { type: "string", minLength: 1 } } } } },
    async (request, reply) => {
      const requested = request.body.namespace ?? [];
      checkNamespace(requested);
      checkStoreKey(request.body.key);
      const value = { namespace: [...requested], key: request.body.key };
      const filter = await access.check(request, "store:delete", value);
      checkNamespace(value.namespace);
      if (filter) {
        const existing = await store.get(value.namespace, value.key);
        if (existing && !itemMatches(existing, filter)) throw notFound("Item not found");
        if (!existing && !matchesFilter(storeSubject(value.namespace, value.key), filter)) throw forbidden("Not authorized");
      }
      await store.delete(value.namespace, value.key);
      return reply.status(204).send();
    },
  );

  app.post<{
    Body:
      | {
          namespace_prefix?: string[];
          filter?: Record<string, unknown>;
          limit?: number;
          offset?: number;
          query?: string;
          refresh_ttl?: boolean | null;
        }
      | undefined;
  }>(
    "/store/items/search",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            namespace_prefix: strArray,
            filter: obj,
            limit,
            offset,
            query: { type: "string" },
            refresh_ttl: { type: ["boolean", "null"] },
          },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      checkPattern(b.namespace_prefix);
      const limit = b.limit ?? 10;
      const offset = b.offset ?? 0;
      const value = { namespace: [...(b.namespace_prefix ?? [])], filter: b.filter, limit, offset, query: b.query };
      const filter = await access.check(request, "store:search", value);
      const prefix = value.namespace ?? [];
      // refreshTtl is skeino's own search option (../persistence/store-reads.ts), unknown to BaseStore's type.
      const search = (l: number, o: number) => {
        const options = { filter: b.filter, limit: l, offset: o, query: b.query, refreshTtl: b.refresh_ttl ?? undefined };
        return store.search(prefix, options);
      };
      const items = filter ? await scanFiltered(search, (item) => itemMatches(item, filter), limit, offset) : await search(limit, offset);
      return { items: items.map(itemView) };
    },
  );

  app.post<{ Body: { prefix?: string[]; suffix?: string[]; max_depth?: number; limit?: number; offset?: number } | undefined }>(
    "/store/namespaces",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            prefix: strArray,
            suffix: strArray,
            max_depth: { type: "integer", minimum: 1, maximum: MAX_STORE_NAMESPACE_LABELS },
            limit,
            offset,
          },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      checkPattern(b.prefix);
      checkPattern(b.suffix);
      const limit = b.limit ?? 100;
      const offset = b.offset ?? 0;
      const value = { namespace: b.prefix ? [...b.prefix] : undefined, suffix: b.suffix, max_depth: b.max_depth, limit, offset };
      const filter = await access.check(request, "store:list_namespaces", value);
      const list = (l: number, o: number) =>
        store.listNamespaces({ prefix: value.namespace, suffix: b.suffix, maxDepth: b.max_depth, limit: l, offset: o });
      const namespaces = filter
        ? await scanFiltered(list, (namespace) => matchesFilter(storeSubject(namespace), filter), limit, offset)
        : await list(limit, offset);
      return { namespaces };
    },
  );
}
