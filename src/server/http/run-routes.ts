// Runs: thread-scoped and stateless create / stream / wait, batch, list,
// get, delete, join, cancel. Joining a run's stream: http/run-stream-routes.ts.
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "./context.ts";
import type { Run } from "../persistence/types.ts";
import { runNotFound, threadNotFound } from "../errors.ts";
import { checkWebhook } from "../runs/run-service.ts";
import { threadIdParams, threadRunParams, typed, type TypedApp } from "./schemas.ts";
import { bulkCancel, bulkCancelQuery, cancelQuery, runBatch, runCreate, runListQuery } from "./run-schemas.ts";
import { pageOf, queryFlag } from "./query.ts";
import { Access } from "./access.ts";
import { RunResponder, runView, sendWhenDone } from "./run-replies.ts";
import { runStreamRoutes } from "./run-stream-routes.ts";

export async function runRoutes(fastify: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = typed(fastify);
  const access = new Access(ctx);
  const runs = new RunResponder(ctx, access);
  createRoutes(app, runs);
  threadRunReads(app, ctx, access);
  cancelRoutes(app, ctx, access);
  runStreamRoutes(app, ctx, runs);

  app.post("/runs/batch", { schema: { body: runBatch } }, async (request) => {
    // All or nothing: check every item before creating any.
    for (const body of request.body) {
      checkWebhook(body.webhook);
      await ctx.runs.assertAssistant(body.assistant_id);
    }
    const authorized = [];
    for (const body of request.body) authorized.push(await access.run(request, undefined, body));
    const out: Run[] = [];
    for (const { body, caller } of authorized) out.push(await ctx.runs.create(undefined, body, request.headers, { caller }));
    return out.map(runView);
  });
}

/** Create, stream and wait: on a thread, and stateless. */
function createRoutes(app: TypedApp, runs: RunResponder): void {
  const threadRun = { schema: { params: threadIdParams, body: runCreate } };
  app.post("/threads/:thread_id/runs", threadRun, async (request, reply) => runs.create(request, reply, request.params.thread_id, request.body));
  app.post("/threads/:thread_id/runs/stream", threadRun, async (request, reply) =>
    runs.stream(request, reply, request.params.thread_id, request.body),
  );
  app.post("/threads/:thread_id/runs/wait", threadRun, async (request, reply) => runs.wait(request, reply, request.params.thread_id, request.body));

  const stateless = { schema: { body: runCreate } };
  app.post("/runs", stateless, async (request, reply) => runs.create(request, reply, undefined, request.body));
  app.post("/runs/stream", stateless, async (request, reply) => runs.stream(request, reply, undefined, request.body));
  app.post("/runs/wait", stateless, async (request, reply) => runs.wait(request, reply, undefined, request.body));
}

/** A thread's runs: list, get, delete, join. The thread must be readable (threads:read), else 404 as if it did not exist. */
function threadRunReads(app: TypedApp, ctx: ServerContext, access: Access): void {
  const store = ctx.persistence.metadata;
  const readableThread = async (request: Parameters<Access["thread"]>[0], threadId: string) => {
    await access.thread(request, "threads:read", { thread_id: threadId }, threadId);
    if (!(await store.threads.get(threadId))) throw threadNotFound(threadId);
  };

  app.get("/threads/:thread_id/runs", { schema: { params: threadIdParams, querystring: runListQuery } }, async (request) => {
    const { thread_id } = request.params;
    const { status } = request.query;
    await access.thread(request, "threads:search", { thread_id, metadata: undefined, status }, thread_id);
    await readableThread(request, thread_id);
    return (await store.runs.list(thread_id, { ...pageOf(request.query, 10), status })).map(runView);
  });

  app.get("/threads/:thread_id/runs/:run_id", { schema: { params: threadRunParams } }, async (request) => {
    const { thread_id, run_id } = request.params;
    await readableThread(request, thread_id);
    const run = await store.runs.get(run_id, thread_id);
    if (!run) throw runNotFound();
    return runView(run);
  });

  app.delete("/threads/:thread_id/runs/:run_id", { schema: { params: threadRunParams } }, async (request, reply) => {
    const { thread_id, run_id } = request.params;
    await access.thread(request, "threads:delete", { run_id, thread_id }, thread_id, runNotFound);
    await ctx.runs.deleteRun(thread_id, run_id);
    return reply.status(204).send();
  });

  app.get("/threads/:thread_id/runs/:run_id/join", { schema: { params: threadRunParams } }, async (request, reply) => {
    const { thread_id, run_id } = request.params;
    await readableThread(request, thread_id);
    await sendWhenDone(reply, ctx.runs.join(run_id, thread_id), {});
  });
}

/** Cancelling a run (threads:update on its thread; a thread the caller may not see answers as a missing run). */
function cancelRoutes(app: TypedApp, ctx: ServerContext, access: Access): void {
  const authorizeCancel = (request: Parameters<Access["thread"]>[0], threadId: string, action: string, runIds: string[]) =>
    access.thread(
      request,
      "threads:update",
      { thread_id: threadId, action, metadata: { run_ids: runIds, status: "pending" } },
      threadId,
      runNotFound,
    );

  app.post("/threads/:thread_id/runs/:run_id/cancel", { schema: { params: threadRunParams, querystring: cancelQuery } }, async (request, reply) => {
    const { thread_id, run_id } = request.params;
    const action = request.query.action ?? "interrupt";
    await authorizeCancel(request, thread_id, action, [run_id]);
    const wait = queryFlag(request.query.wait);
    await ctx.runs.cancel(thread_id, [run_id], action, { wait });
    return reply.status(wait ? 204 : 202).send();
  });

  app.post("/runs/cancel", { schema: { body: bulkCancel, querystring: bulkCancelQuery } }, async (request, reply) => {
    const { thread_id, run_ids, status } = request.body ?? {};
    const action = request.query.action ?? "interrupt";
    const runs = await ctx.runs.cancelTargets(thread_id, run_ids, status);
    const ids = runs.map((r) => r.run_id);
    for (const run of runs) await authorizeCancel(request, run.thread_id, action, ids);
    await ctx.runs.cancel(thread_id, ids, action);
    return reply.status(204).send();
  });
}
