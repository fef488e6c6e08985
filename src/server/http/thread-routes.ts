// Threads: CRUD, search, copy, state and history.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ServerContext } from "./context.ts";
import type { JsonObject, Thread, ThreadStatus } from "../persistence/types.ts";
import { badRequest, unprocessable } from "../errors.ts";
import { checkpointSelector, command, ifExists, limit, obj, objOrNull, offset, sortOrder, threadIdParams, uuid } from "./schemas.ts";
import type { CheckpointSelector, SuperstepUpdate } from "../threads/thread-service.ts";
import { Access } from "./access.ts";
import { matchesFilter } from "../auth/filter.ts";
import { conflict, forbidden } from "../errors.ts";

const status = { type: "string", enum: ["idle", "busy", "interrupted", "error"] } as const;
const truthy = (v: string | undefined) => ["true", "1", "yes"].includes((v ?? "").toLowerCase());

/** The thread as the API shows it (no internal error detail beyond what the SDK knows). */
export function threadView(t: Thread): Record<string, unknown> {
  const { error, ...rest } = t;
  return error === undefined || error === null ? rest : { ...rest, error };
}

export async function threadRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const threads = ctx.persistence.metadata.threads;
  const access = new Access(ctx);
  const readGate = (request: FastifyRequest<{ Params: { thread_id: string } }>) =>
    access.thread(request, "threads:read", { thread_id: request.params.thread_id }, request.params.thread_id);

  app.post<{
    Body:
      | {
          thread_id?: string;
          metadata?: JsonObject;
          if_exists?: "raise" | "do_nothing";
          supersteps?: { updates: SuperstepUpdate[] }[];
          ttl?: unknown;
        }
      | undefined;
  }>(
    "/threads",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            thread_id: uuid,
            metadata: objOrNull,
            if_exists: ifExists,
            supersteps: {
              type: "array",
              items: {
                type: "object",
                required: ["updates"],
                properties: {
                  updates: {
                    type: "array",
                    items: { type: "object", required: ["as_node"], properties: { values: {}, command, as_node: { type: "string" } } },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
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
    },
  );

  app.post<{
    Body:
      | {
          metadata?: JsonObject;
          values?: JsonObject;
          status?: ThreadStatus;
          ids?: string[];
          limit?: number;
          offset?: number;
          sort_by?: "thread_id" | "status" | "created_at" | "updated_at";
          sort_order?: "asc" | "desc";
          select?: string[];
        }
      | undefined;
  }>(
    "/threads/search",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            metadata: obj,
            values: obj,
            status,
            ids: { type: "array", items: uuid },
            limit,
            offset,
            sort_by: { type: "string", enum: ["thread_id", "status", "created_at", "updated_at"] },
            sort_order: sortOrder,
            select: { type: "array", items: { type: "string" } },
          },
        },
      },
    },
    async (request, reply) => {
      const b = request.body ?? {};
      const page = { limit: b.limit ?? 10, offset: b.offset ?? 0 };
      const authFilter = await access.condition(request, "threads:search", {
        metadata: b.metadata,
        ids: b.ids,
        status: b.status,
        values: b.values,
        ...page,
      });
      const { items, total } = await threads.search({ ...b, ...page, authFilter });
      reply.header("x-pagination-total", String(total));
      if (items.length === page.limit && page.offset + page.limit < total) reply.header("x-pagination-next", String(page.offset + page.limit));
      const views = items.map(threadView);
      if (!b.select?.length) return views;
      return views.map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => (b.select as string[]).includes(k))));
    },
  );

  app.post<{ Body: { metadata?: JsonObject; values?: JsonObject; status?: ThreadStatus } | undefined }>(
    "/threads/count",
    { schema: { body: { type: "object", properties: { metadata: obj, values: obj, status } } } },
    async (request) => {
      const b = request.body ?? {};
      const authFilter = await access.condition(request, "threads:search", {
        metadata: b.metadata,
        status: b.status,
        values: b.values,
        limit: 0,
        offset: 0,
      });
      return threads.count({ ...b, authFilter });
    },
  );

  app.get<{ Params: { thread_id: string } }>("/threads/:thread_id", { schema: { params: threadIdParams } }, async (request) => {
    await readGate(request);
    return threadView(await ctx.threads.get(request.params.thread_id));
  });

  app.patch<{ Params: { thread_id: string }; Body: { metadata?: JsonObject; ttl?: unknown } | undefined }>(
    "/threads/:thread_id",
    { schema: { params: threadIdParams, body: { type: "object", properties: { metadata: obj } } } },
    async (request) => {
      const ttl = ctx.ttl.parseThreadTtl(request.body?.ttl);
      const value = { thread_id: request.params.thread_id, metadata: { ...(request.body?.metadata ?? {}) } };
      await access.thread(request, "threads:update", value, request.params.thread_id);
      await ctx.threads.get(request.params.thread_id);
      await ctx.ttl.setThreadTtl(request.params.thread_id, ttl);
      const updated = await threads.update(request.params.thread_id, { metadata: value.metadata ?? {} });
      return threadView(updated ?? (await ctx.threads.get(request.params.thread_id)));
    },
  );

  app.post<{ Body: { thread_ids: string[]; strategy?: "delete" | "keep_latest" } }>(
    "/threads/prune",
    {
      schema: {
        body: {
          type: "object",
          required: ["thread_ids"],
          properties: { thread_ids: { type: "array", items: uuid, maxItems: 1000 }, strategy: { type: "string", enum: ["delete", "keep_latest"] } },
        },
      },
    },
    async (request) => {
      const strategy = request.body.strategy ?? "delete";
      // Pruning deletes (a thread, or its older checkpoints): the threads:delete handler decides, and threads its filter hides are skipped.
      const filter = await access.check(request, "threads:delete", { thread_ids: request.body.thread_ids, strategy });
      return { pruned_count: await ctx.ttl.prune(request.body.thread_ids, strategy, (metadata) => matchesFilter(metadata, filter)) };
    },
  );

  // skeino extension: when the thread expires (its own ttl, else the manifest's default), or null.
  app.get<{ Params: { thread_id: string } }>("/threads/:thread_id/ttl", { schema: { params: threadIdParams } }, async (request) => {
    await readGate(request);
    return ctx.ttl.threadExpiry(request.params.thread_id);
  });

  app.delete<{ Params: { thread_id: string } }>("/threads/:thread_id", { schema: { params: threadIdParams } }, async (request, reply) => {
    await access.thread(request, "threads:delete", { thread_id: request.params.thread_id }, request.params.thread_id);
    await ctx.threads.delete(request.params.thread_id);
    return reply.status(204).send();
  });

  app.post<{ Params: { thread_id: string } }>("/threads/:thread_id/copy", { schema: { params: threadIdParams } }, async (request) => {
    const { thread_id } = request.params;
    // 409 as the reference answers a copy of a thread you may not read.
    await access.thread(request, "threads:read", { thread_id }, thread_id, () => conflict("Thread not found"));
    // The copy is a creation: its handler may refuse it or stamp its metadata (its filter has nothing to apply to).
    const prepare = access.enabled
      ? async (draft: { thread_id: string; metadata: JsonObject }) => void (await access.check(request, "threads:create", draft))
      : undefined;
    return threadView(await ctx.threads.copy(thread_id, prepare));
  });

  app.get<{ Params: { thread_id: string }; Querystring: { subgraphs?: string } }>(
    "/threads/:thread_id/state",
    { schema: { params: threadIdParams } },
    async (request, reply) => {
      await readGate(request);
      if (truthy(request.query.subgraphs)) return ctx.threads.state(request.params.thread_id, { subgraphs: true });
      return reply
        .type("application/json")
        .serializer((payload: unknown) => payload as string)
        .send(await ctx.threads.latestStateJson(request.params.thread_id));
    },
  );

  app.get<{ Params: { thread_id: string; checkpoint_id: string }; Querystring: { subgraphs?: string } }>(
    "/threads/:thread_id/state/:checkpoint_id",
    { schema: { params: { type: "object", required: ["thread_id", "checkpoint_id"], properties: { thread_id: uuid, checkpoint_id: uuid } } } },
    async (request) => {
      await readGate(request);
      return ctx.threads.state(request.params.thread_id, {
        subgraphs: truthy(request.query.subgraphs),
        checkpoint: { checkpoint_id: request.params.checkpoint_id },
      });
    },
  );

  app.post<{ Params: { thread_id: string }; Body: { checkpoint: CheckpointSelector; subgraphs?: boolean } }>(
    "/threads/:thread_id/state/checkpoint",
    {
      schema: {
        params: threadIdParams,
        body: { type: "object", required: ["checkpoint"], properties: { checkpoint: checkpointSelector, subgraphs: { type: "boolean" } } },
      },
    },
    async (request) => {
      await readGate(request);
      return ctx.threads.state(request.params.thread_id, { subgraphs: request.body.subgraphs, checkpoint: request.body.checkpoint });
    },
  );

  app.post<{ Params: { thread_id: string }; Body: { values?: unknown; as_node?: string; checkpoint_id?: string; checkpoint?: CheckpointSelector } }>(
    "/threads/:thread_id/state",
    {
      schema: {
        params: threadIdParams,
        body: {
          type: "object",
          properties: {
            values: { type: ["object", "array", "null"] },
            as_node: { type: "string" },
            checkpoint_id: uuid,
            checkpoint: checkpointSelector,
          },
        },
      },
    },
    async (request) => {
      const { thread_id } = request.params;
      // Not yours to read: 404. Yours to read but not to write: 403 (as the reference answers).
      const update = await access.check(request, "threads:update", { thread_id });
      await readGate(request);
      if (update) {
        const thread = await threads.get(thread_id);
        if (thread && !matchesFilter(thread.metadata, update)) throw forbidden("Forbidden");
      }
      return ctx.threads.updateState(thread_id, request.body ?? {});
    },
  );

  app.get<{ Params: { thread_id: string }; Querystring: { limit?: string; before?: string } }>(
    "/threads/:thread_id/history",
    { schema: { params: threadIdParams } },
    async (request) => {
      const rawLimit = request.query.limit;
      const parsed = rawLimit === undefined ? 10 : Number(rawLimit);
      if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1000)
        throw badRequest("Invalid querystring: 'limit' must be an integer between 1 and 1000");
      if (request.query.before?.includes("\u0000")) throw unprocessable("Invalid querystring: 'before' contains a NUL character");
      await readGate(request);
      return ctx.threads.history(request.params.thread_id, { limit: parsed, before: request.query.before });
    },
  );

  app.post<{
    Params: { thread_id: string };
    Body: { limit?: number; before?: string | { configurable?: JsonObject }; metadata?: JsonObject; checkpoint?: CheckpointSelector } | undefined;
  }>(
    "/threads/:thread_id/history",
    {
      schema: {
        params: threadIdParams,
        body: {
          type: "object",
          properties: {
            limit,
            before: { anyOf: [{ type: "string" }, { type: "object", properties: { configurable: obj } }, { type: "null" }] },
            metadata: objOrNull,
            checkpoint: checkpointSelector,
          },
        },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      await readGate(request);
      return ctx.threads.history(request.params.thread_id, {
        limit: b.limit ?? 10,
        before: b.before ?? undefined,
        metadata: b.metadata ?? undefined,
        checkpoint: b.checkpoint,
      });
    },
  );
}
