// A thread's state (now, at a checkpoint, updated) and its history. The
// thread must be readable (threads:read), else 404 as if it did not exist.
import type { ServerContext } from "./context.ts";
import { badRequest, forbidden, unprocessable } from "../errors.ts";
import { threadIdParams, type TypedApp } from "./schemas.ts";
import { historyQuery, historySearch, stateAtCheckpoint, stateUpdate, subgraphsQuery, threadCheckpointParams } from "./thread-schemas.ts";
import { queryFlag } from "./query.ts";
import type { Access } from "./access.ts";
import { matchesFilter } from "../auth/filter.ts";

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function threadStateRoutes(app: TypedApp, ctx: ServerContext, access: Access): void {
  const readGate = (request: Parameters<Access["thread"]>[0], threadId: string) =>
    access.thread(request, "threads:read", { thread_id: threadId }, threadId);

  app.get("/threads/:thread_id/state", { schema: { params: threadIdParams, querystring: subgraphsQuery } }, async (request, reply) => {
    await readGate(request, request.params.thread_id);
    if (queryFlag(request.query.subgraphs)) return ctx.threads.state(request.params.thread_id, { subgraphs: true });
    // The latest state is kept serialized (threads/state-cache.ts): sent as it is.
    return reply
      .type("application/json")
      .serializer((payload: unknown) => payload as string)
      .send(await ctx.threads.latestStateJson(request.params.thread_id));
  });

  app.get(
    "/threads/:thread_id/state/:checkpoint_id",
    { schema: { params: threadCheckpointParams, querystring: subgraphsQuery } },
    async (request) => {
      await readGate(request, request.params.thread_id);
      return ctx.threads.state(request.params.thread_id, {
        subgraphs: queryFlag(request.query.subgraphs),
        checkpoint: { checkpoint_id: request.params.checkpoint_id },
      });
    },
  );

  app.post("/threads/:thread_id/state/checkpoint", { schema: { params: threadIdParams, body: stateAtCheckpoint } }, async (request) => {
    await readGate(request, request.params.thread_id);
    return ctx.threads.state(request.params.thread_id, { subgraphs: request.body.subgraphs, checkpoint: request.body.checkpoint });
  });

  app.post("/threads/:thread_id/state", { schema: { params: threadIdParams, body: stateUpdate } }, async (request) => {
    const { thread_id } = request.params;
    // Not yours to read: 404. Yours to read but not to write: 403 (as the reference answers).
    const update = await access.check(request, "threads:update", { thread_id });
    await readGate(request, thread_id);
    if (update) {
      const thread = await ctx.persistence.metadata.threads.get(thread_id);
      if (thread && !matchesFilter(thread.metadata, update)) throw forbidden("Forbidden");
    }
    return ctx.threads.updateState(thread_id, request.body ?? {});
  });

  app.get("/threads/:thread_id/history", { schema: { params: threadIdParams, querystring: historyQuery } }, async (request) => {
    const rawLimit = first(request.query.limit);
    const before = first(request.query.before);
    const limit = rawLimit === undefined ? 10 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest("Invalid querystring: 'limit' must be an integer between 1 and 1000");
    if (before?.includes("\u0000")) throw unprocessable("Invalid querystring: 'before' contains a NUL character");
    await readGate(request, request.params.thread_id);
    return ctx.threads.history(request.params.thread_id, { limit, before });
  });

  app.post("/threads/:thread_id/history", { schema: { params: threadIdParams, body: historySearch } }, async (request) => {
    const body = request.body ?? {};
    await readGate(request, request.params.thread_id);
    return ctx.threads.history(request.params.thread_id, {
      limit: body.limit ?? 10,
      before: body.before ?? undefined,
      metadata: body.metadata ?? undefined,
      checkpoint: body.checkpoint,
    });
  });
}
