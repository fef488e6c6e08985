// Threads: create, search, count, get, update, prune, delete, copy, ttl.
// A thread's state and history: http/thread-state-routes.ts.
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "./context.ts";
import type { JsonObject, Thread } from "../persistence/types.ts";
import { threadIdParams, typed, type TypedApp } from "./schemas.ts";
import { threadCount, threadCreate, threadPatch, threadPrune, threadSearch } from "./thread-schemas.ts";
import { pageOf, selectFields, sendPage } from "./query.ts";
import { Access } from "./access.ts";
import { matchesFilter } from "../auth/filter.ts";
import { conflict } from "../errors.ts";
import { threadStateRoutes } from "./thread-state-routes.ts";

/** The thread as the API shows it (no internal error detail beyond what the SDK knows). */
export function threadView(t: Thread): Record<string, unknown> {
  const { error, ...rest } = t;
  return error === undefined || error === null ? rest : { ...rest, error };
}

export async function threadRoutes(fastify: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = typed(fastify);
  const access = new Access(ctx);
  threadWrites(app, ctx, access);
  threadReads(app, ctx, access);
  threadStateRoutes(app, ctx, access);
}

/** Create, update, prune, delete, copy. */
function threadWrites(app: TypedApp, ctx: ServerContext, access: Access): void {
  const threads = ctx.persistence.metadata.threads;

  app.post("/threads", { schema: { body: threadCreate } }, async (request) => {
    const body = request.body ?? {};
    // A bad ttl is refused before the thread exists.
    const ttl = ctx.ttl.parseThreadTtl(body.ttl);
    const value = { thread_id: body.thread_id, metadata: { ...(body.metadata ?? {}) }, if_exists: body.if_exists };
    const filter = await access.check(request, "threads:create", value);
    // Supersteps write state into the new thread: an update, as the reference authorizes it.
    if (body.supersteps?.length) await access.check(request, "threads:update", { thread_id: body.thread_id, metadata: value.metadata });
    if (filter && body.thread_id !== undefined) {
      // Someone else's thread under this id: a conflict, whatever if_exists says.
      const existing = await threads.get(body.thread_id);
      if (existing && !matchesFilter(existing.metadata, filter)) throw conflict("Thread already exists");
    }
    const thread = await ctx.threads.create({ ...body, metadata: value.metadata ?? {} });
    await ctx.ttl.setThreadTtl(thread.thread_id, ttl);
    return threadView(thread);
  });

  app.patch("/threads/:thread_id", { schema: { params: threadIdParams, body: threadPatch } }, async (request) => {
    const { thread_id } = request.params;
    const ttl = ctx.ttl.parseThreadTtl(request.body?.ttl);
    const value = { thread_id, metadata: { ...(request.body?.metadata ?? {}) } };
    await access.thread(request, "threads:update", value, thread_id);
    await ctx.threads.get(thread_id);
    await ctx.ttl.setThreadTtl(thread_id, ttl);
    const updated = await threads.update(thread_id, { metadata: value.metadata ?? {} });
    return threadView(updated ?? (await ctx.threads.get(thread_id)));
  });

  app.post("/threads/prune", { schema: { body: threadPrune } }, async (request) => {
    const { thread_ids } = request.body;
    const strategy = request.body.strategy ?? "delete";
    // Pruning deletes (a thread, or its older checkpoints): the threads:delete handler decides, and threads its filter hides are skipped.
    const filter = await access.check(request, "threads:delete", { thread_ids, strategy });
    return { pruned_count: await ctx.ttl.prune(thread_ids, strategy, (metadata) => matchesFilter(metadata, filter)) };
  });

  app.delete("/threads/:thread_id", { schema: { params: threadIdParams } }, async (request, reply) => {
    await access.thread(request, "threads:delete", { thread_id: request.params.thread_id }, request.params.thread_id);
    await ctx.threads.delete(request.params.thread_id);
    return reply.status(204).send();
  });

  app.post("/threads/:thread_id/copy", { schema: { params: threadIdParams } }, async (request) => {
    const { thread_id } = request.params;
    // 409 as the reference answers a copy of a thread you may not read.
    await access.thread(request, "threads:read", { thread_id }, thread_id, () => conflict("Thread not found"));
    // The copy is a creation: its handler may refuse it or stamp its metadata (its filter has nothing to apply to).
    const prepare = access.enabled
      ? async (draft: { thread_id: string; metadata: JsonObject }) => void (await access.check(request, "threads:create", draft))
      : undefined;
    return threadView(await ctx.threads.copy(thread_id, prepare));
  });
}

/** Search, count, get, ttl. */
function threadReads(app: TypedApp, ctx: ServerContext, access: Access): void {
  const threads = ctx.persistence.metadata.threads;
  const readGate = (request: Parameters<Access["thread"]>[0], threadId: string) =>
    access.thread(request, "threads:read", { thread_id: threadId }, threadId);

  app.post("/threads/search", { schema: { body: threadSearch } }, async (request, reply) => {
    const { select, ...query } = request.body ?? {};
    const page = pageOf(query, 10);
    const { metadata, ids, status, values } = query;
    const authFilter = await access.condition(request, "threads:search", { metadata, ids, status, values, ...page });
    const { items, total } = await threads.search({ ...query, ...page, authFilter });
    return selectFields(sendPage(reply, items, total, page).map(threadView), select);
  });

  app.post("/threads/count", { schema: { body: threadCount } }, async (request) => {
    const filter = request.body ?? {};
    const { metadata, status, values } = filter;
    const authFilter = await access.condition(request, "threads:search", { metadata, status, values, limit: 0, offset: 0 });
    return threads.count({ ...filter, authFilter });
  });

  app.get("/threads/:thread_id", { schema: { params: threadIdParams } }, async (request) => {
    await readGate(request, request.params.thread_id);
    return threadView(await ctx.threads.get(request.params.thread_id));
  });

  // skeino extension: when the thread expires (its own ttl, else the manifest's default), or null.
  app.get("/threads/:thread_id/ttl", { schema: { params: threadIdParams } }, async (request) => {
    await readGate(request, request.params.thread_id);
    return ctx.ttl.threadExpiry(request.params.thread_id);
  });
}
