// The key-value store graphs share (LangGraph's BaseStore), over HTTP.
import type { FastifyInstance } from "fastify";
import type { Item, Operation } from "@langchain/langgraph-checkpoint";
import type { ServerContext } from "./context.ts";
import { HttpError, badRequest, forbidden, notFound } from "../errors.ts";
import { typed, type TypedApp } from "./schemas.ts";
import { itemDelete, itemGetQuery, itemPut, itemSearch, namespaceList } from "./store-schemas.ts";
import { pageOf, queryFlag } from "./query.ts";
import { checkStoreKey, checkStoreNamespace } from "../persistence/store-address.ts";
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

export async function storeRoutes(fastify: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = typed(fastify);
  const access = new Access(ctx);
  itemRoutes(app, ctx, access);
  searchRoutes(app, ctx, access);
}

const itemMatches = (item: Item, filter: AuthFilter | undefined) => matchesFilter(storeSubject(item.namespace, item.key, item.value), filter);

/** One item: put, get, delete. A handler may move the item (namespace, key) or rewrite its value; one its filter hides is "not found". */
function itemRoutes(app: TypedApp, ctx: ServerContext, access: Access): void {
  const store = ctx.persistence.store;

  app.put("/store/items", { schema: { body: itemPut } }, async (request, reply) => {
    checkNamespace(request.body.namespace);
    checkStoreKey(request.body.key);
    const value = { namespace: [...request.body.namespace], key: request.body.key, value: request.body.value };
    const filter = await access.check(request, "store:put", value);
    checkNamespace(value.namespace);
    if (filter) {
      const existing = await store.get(value.namespace, value.key);
      if (existing && !itemMatches(existing, filter)) throw notFound("Item not found");
      if (!existing && !matchesFilter(storeSubject(value.namespace, value.key, value.value), filter)) throw forbidden("Not authorized");
    }
    checkStoreKey(value.key);
    await ctx.ttl.putItem(value.namespace, value.key, value.value, request.body.ttl);
    return reply.status(204).send();
  });

  app.get("/store/items", { schema: { querystring: itemGetQuery } }, async (request, reply) => {
    const requested = request.query.namespace ? request.query.namespace.split(".") : [];
    checkNamespace(requested);
    checkStoreKey(request.query.key);
    const value = { namespace: requested, key: request.query.key };
    const filter = await access.check(request, "store:get", value);
    checkNamespace(value.namespace);
    // A get operation of our own: it carries refresh_ttl to the store (../persistence/store-reads.ts).
    const refreshTtl = request.query.refresh_ttl === undefined ? undefined : queryFlag(request.query.refresh_ttl);
    const [item] = (await store.batch([{ namespace: value.namespace, key: value.key, refreshTtl } as Operation])) as (Item | null)[];
    if (item && !itemMatches(item, filter)) throw notFound("Item not found");
    // JSON null (not a 404) when missing, as the reference answers.
    return reply.type("application/json").send(item ? JSON.stringify(itemView(item)) : "null");
  });

  app.delete("/store/items", { schema: { body: itemDelete } }, async (request, reply) => {
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
  });
}

/** Searching items and listing namespaces; with a filter, pages of candidates are scanned (scanFiltered). */
function searchRoutes(app: TypedApp, ctx: ServerContext, access: Access): void {
  const store = ctx.persistence.store;

  app.post("/store/items/search", { schema: { body: itemSearch } }, async (request) => {
    const b = request.body ?? {};
    checkPattern(b.namespace_prefix);
    const { limit, offset } = pageOf(b, 10);
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
  });

  app.post("/store/namespaces", { schema: { body: namespaceList } }, async (request) => {
    const b = request.body ?? {};
    checkPattern(b.prefix);
    checkPattern(b.suffix);
    const { limit, offset } = pageOf(b, 100);
    const value = { namespace: b.prefix ? [...b.prefix] : undefined, suffix: b.suffix, max_depth: b.max_depth, limit, offset };
    const filter = await access.check(request, "store:list_namespaces", value);
    const list = (l: number, o: number) =>
      store.listNamespaces({ prefix: value.namespace, suffix: b.suffix, maxDepth: b.max_depth, limit: l, offset: o });
    const namespaces = filter
      ? await scanFiltered(list, (namespace) => matchesFilter(storeSubject(namespace), filter), limit, offset)
      : await list(limit, offset);
    return { namespaces };
  });
}
