// Runs: thread-scoped and stateless create / stream / wait, batch, list,
// get, delete, join, join stream, cancel.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServerContext } from "./context.ts";
import type { Run, RunStatus } from "../persistence/types.ts";
import { runNotFound, threadNotFound } from "../errors.ts";
import { checkWebhook, type RunCreateBody } from "../runs/run-service.ts";
import { openSse, pipeEvents } from "./sse.ts";
import { parseLastEventId } from "./last-event-id.ts";
import { runCreate, threadIdParams, threadRunParams, uuid } from "./schemas.ts";
import { serializeJson } from "../serialize.ts";
import { Access } from "./access.ts";
import { matchesFilter } from "../auth/filter.ts";
import { withoutAuthKeys } from "../auth/run-auth.ts";

/**
 * A run as the API shows it: without the caller's user object, which its
 * stored config keeps for the worker that executes it (perhaps in another
 * process) but which others who may read the thread need not see.
 */
function runView(run: Run): Run {
  const configurable = run.kwargs.config.configurable;
  const stripped = withoutAuthKeys(configurable);
  if (stripped === configurable) return run;
  return { ...run, kwargs: { ...run.kwargs, config: { ...run.kwargs.config, configurable: stripped } } };
}

const truthy = (v: string | undefined) => ["true", "1", "yes"].includes((v ?? "").toLowerCase());
const runStatus = ["pending", "running", "error", "success", "timeout", "interrupted"];

export async function runRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const store = ctx.persistence.metadata;

  const access = new Access(ctx);

  const authorizeRun = (request: FastifyRequest, threadId: string | undefined, body: RunCreateBody) => access.run(request, threadId, body);

  /** A run's thread must be readable (threads:read) by the caller; else 404 as if it did not exist. */
  const readGate = (request: FastifyRequest, threadId: string) => access.thread(request, "threads:read", { thread_id: threadId }, threadId);

  const location = (run: Run, stateless: boolean) => (stateless ? `/runs/${run.run_id}` : `/threads/${run.thread_id}/runs/${run.run_id}`);

  async function streamRun(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, requested: RunCreateBody): Promise<void> {
    const { body, caller } = await authorizeRun(request, threadId, requested);
    const run = await ctx.runs.create(threadId, body, request.headers, { streamed: true, caller });
    const sse = openSse(reply, {
      contentLocation: location(run, threadId === undefined),
      withIds: threadId !== undefined,
      heartbeatMs: ctx.settings.sseHeartbeatMs,
    });
    const events = ctx.engine.subscribe(run.run_id, { lastEventId: run.kwargs.resumable ? "-1" : undefined, signal: sse.closed });
    if (body.on_disconnect === "cancel") {
      sse.closed.addEventListener("abort", () => {
        void ctx.runs.cancel(run.thread_id, [run.run_id], "interrupt").catch(() => undefined);
      });
    }
    await pipeEvents(events, sse, reply);
  }

  /** JSON after the run ends; a newline every second meanwhile keeps proxies from timing out. */
  async function sendWhenDone(reply: FastifyReply, result: Promise<unknown>, headers: Record<string, string>): Promise<void> {
    let heartbeat: NodeJS.Timeout | undefined;
    let started = false;
    heartbeat = setInterval(() => {
      if (!started) {
        reply.hijack();
        reply.raw.writeHead(200, { "content-type": "application/json", ...headers });
        started = true;
      }
      reply.raw.write("\n");
    }, 1000);
    try {
      const value = await result;
      clearInterval(heartbeat);
      heartbeat = undefined;
      const body = serializeJson(value);
      if (started) reply.raw.end(body);
      else await reply.headers(headers).type("application/json").send(body);
    } catch (error) {
      if (heartbeat) clearInterval(heartbeat);
      if (!started) throw error;
      reply.raw.end(serializeJson({ __error__: { error: "Error", message: error instanceof Error ? error.message : String(error) } }));
    }
  }

  async function waitRun(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, requested: RunCreateBody): Promise<void> {
    const { body, caller } = await authorizeRun(request, threadId, requested);
    const run = await ctx.runs.create(threadId, body, request.headers, { caller });
    if (body.on_disconnect === "cancel") {
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) void ctx.runs.cancel(run.thread_id, [run.run_id], "interrupt").catch(() => undefined);
      });
    }
    await sendWhenDone(reply, ctx.runs.join(run.run_id, run.thread_id), { "content-location": location(run, threadId === undefined) });
  }

  /** threads:read on a stream's thread: true when the caller may not see it (or it is gone). */
  async function streamHidden(request: FastifyRequest, threadId: string | undefined): Promise<boolean> {
    if (threadId === undefined) return true;
    const filter = await access.check(request, "threads:read", { thread_id: threadId });
    if (!filter) return false;
    const thread = await store.threads.get(threadId);
    return !thread || !matchesFilter(thread.metadata, filter);
  }

  function streamNotFound(reply: FastifyReply): void {
    const sse = openSse(reply, { withIds: true, heartbeatMs: ctx.settings.sseHeartbeatMs });
    sse.write({ id: 0, event: "error", data: serializeJson({ error: "Error", message: "404: Thread not found" }) });
    sse.end();
  }

  // Thread-scoped
  app.post<{ Params: { thread_id: string }; Body: RunCreateBody }>(
    "/threads/:thread_id/runs",
    { schema: { params: threadIdParams, body: runCreate } },
    async (request, reply) => {
      const { body, caller } = await authorizeRun(request, request.params.thread_id, request.body);
      const run = await ctx.runs.create(request.params.thread_id, body, request.headers, { caller });
      reply.header("content-location", location(run, false));
      return runView(run);
    },
  );
  app.post<{ Params: { thread_id: string }; Body: RunCreateBody }>(
    "/threads/:thread_id/runs/stream",
    { schema: { params: threadIdParams, body: runCreate } },
    async (request, reply) => streamRun(request, reply, request.params.thread_id, request.body),
  );
  app.post<{ Params: { thread_id: string }; Body: RunCreateBody }>(
    "/threads/:thread_id/runs/wait",
    { schema: { params: threadIdParams, body: runCreate } },
    async (request, reply) => waitRun(request, reply, request.params.thread_id, request.body),
  );

  app.get<{ Params: { thread_id: string }; Querystring: { limit?: string; offset?: string; status?: string } }>(
    "/threads/:thread_id/runs",
    {
      schema: {
        params: threadIdParams,
        querystring: {
          type: "object",
          // At most 15 digits: exact as a JS number and as a bigint.
          properties: {
            limit: { type: "string", pattern: "^[0-9]{1,15}$" },
            offset: { type: "string", pattern: "^[0-9]{1,15}$" },
            status: { type: "string", enum: runStatus },
          },
        },
      },
    },
    async (request) => {
      const { thread_id } = request.params;
      await access.thread(request, "threads:search", { thread_id, metadata: undefined, status: request.query.status }, thread_id);
      await readGate(request, thread_id);
      if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
      const limit = Math.min(Number(request.query.limit ?? 10), 1000);
      return (
        await store.runs.list(thread_id, { limit, offset: Number(request.query.offset ?? 0), status: request.query.status as RunStatus | undefined })
      ).map(runView);
    },
  );

  app.get<{ Params: { thread_id: string; run_id: string } }>(
    "/threads/:thread_id/runs/:run_id",
    { schema: { params: threadRunParams } },
    async (request) => {
      const { thread_id, run_id } = request.params;
      await readGate(request, thread_id);
      if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
      const run = await store.runs.get(run_id, thread_id);
      if (!run) throw runNotFound();
      return runView(run);
    },
  );

  app.delete<{ Params: { thread_id: string; run_id: string } }>(
    "/threads/:thread_id/runs/:run_id",
    { schema: { params: threadRunParams } },
    async (request, reply) => {
      const { thread_id, run_id } = request.params;
      await access.thread(request, "threads:delete", { run_id, thread_id }, thread_id, runNotFound);
      await ctx.runs.deleteRun(thread_id, run_id);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { thread_id: string; run_id: string } }>(
    "/threads/:thread_id/runs/:run_id/join",
    { schema: { params: threadRunParams } },
    async (request, reply) => {
      const { thread_id, run_id } = request.params;
      await readGate(request, thread_id);
      if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
      await sendWhenDone(reply, ctx.runs.join(run_id, thread_id), {});
    },
  );

  const joinStream = async (
    request: FastifyRequest<{ Params: { thread_id?: string; run_id: string }; Querystring: { cancel_on_disconnect?: string } }>,
    reply: FastifyReply,
  ) => {
    const { thread_id, run_id } = request.params;
    // A thread the caller may not read gets the answer of a missing one, in
    // the stream: one error event (the reference's, which the SDK yields).
    const hidden = access.enabled ? await streamHidden(request, thread_id ?? (await store.runs.get(run_id))?.thread_id) : false;
    if (hidden) return streamNotFound(reply);
    if (thread_id && !(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
    const lastEventId = parseLastEventId(request.headers["last-event-id"]);
    const run = await store.runs.get(run_id, thread_id);
    const sse = openSse(reply, { withIds: true, heartbeatMs: ctx.settings.sseHeartbeatMs });
    if (!run) {
      sse.write({ id: 0, event: "error", data: serializeJson("Run not found") });
      sse.end();
      return;
    }
    const events = ctx.engine.subscribe(run_id, { lastEventId, signal: sse.closed });
    if (truthy(request.query.cancel_on_disconnect)) {
      sse.closed.addEventListener("abort", () => {
        void ctx.runs.cancel(run.thread_id, [run_id], "interrupt").catch(() => undefined);
      });
    }
    await pipeEvents(events, sse, reply);
  };
  app.get("/threads/:thread_id/runs/:run_id/stream", { schema: { params: threadRunParams } }, joinStream);

  // threads.joinStream: the thread's active run, if any (useStream reconnects with it).
  app.get<{ Params: { thread_id: string } }>("/threads/:thread_id/stream", { schema: { params: threadIdParams } }, async (request, reply) => {
    const { thread_id } = request.params;
    if (access.enabled && (await streamHidden(request, thread_id))) return streamNotFound(reply);
    const lastEventId = parseLastEventId(request.headers["last-event-id"]);
    if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
    const runs = await store.runs.active(thread_id);
    const active = runs.find((r) => r.status === "running") ?? runs[0];
    const sse = openSse(reply, { withIds: true, heartbeatMs: ctx.settings.sseHeartbeatMs });
    if (!active) {
      sse.end();
      return;
    }
    const events = ctx.engine.subscribe(active.run_id, {
      lastEventId: lastEventId ?? (active.kwargs.resumable ? "-1" : undefined),
      signal: sse.closed,
    });
    await pipeEvents(events, sse, reply);
  });
  app.get("/runs/:run_id/stream", { schema: { params: { type: "object", required: ["run_id"], properties: { run_id: uuid } } } }, joinStream);

  app.post<{ Params: { thread_id: string; run_id: string }; Querystring: { wait?: string; action?: string } }>(
    "/threads/:thread_id/runs/:run_id/cancel",
    {
      schema: {
        params: threadRunParams,
        querystring: { type: "object", properties: { wait: { type: "string" }, action: { type: "string", enum: ["interrupt", "rollback"] } } },
      },
    },
    async (request, reply) => {
      const { thread_id, run_id } = request.params;
      const action = (request.query.action ?? "interrupt") as "interrupt" | "rollback";
      const wait = truthy(request.query.wait);
      await access.thread(
        request,
        "threads:update",
        { thread_id, action, metadata: { run_ids: [run_id], status: "pending" } },
        thread_id,
        runNotFound,
      );
      await ctx.runs.cancel(thread_id, [run_id], action, { wait });
      return reply.status(wait ? 204 : 202).send();
    },
  );

  // Stateless
  app.post<{ Body: RunCreateBody }>("/runs", { schema: { body: runCreate } }, async (request, reply) => {
    const { body, caller } = await authorizeRun(request, undefined, request.body);
    const run = await ctx.runs.create(undefined, body, request.headers, { caller });
    reply.header("content-location", location(run, true));
    return runView(run);
  });
  app.post<{ Body: RunCreateBody }>("/runs/stream", { schema: { body: runCreate } }, async (request, reply) =>
    streamRun(request, reply, undefined, request.body),
  );
  app.post<{ Body: RunCreateBody }>("/runs/wait", { schema: { body: runCreate } }, async (request, reply) =>
    waitRun(request, reply, undefined, request.body),
  );
  app.post<{ Body: RunCreateBody[] }>(
    "/runs/batch",
    { schema: { body: { type: "array", minItems: 1, maxItems: 1000, items: runCreate } } },
    async (request) => {
      // All or nothing: check every item before creating any.
      for (const body of request.body) {
        checkWebhook(body.webhook);
        await ctx.runs.assertAssistant(body.assistant_id);
      }
      const authorized = [];
      for (const body of request.body) authorized.push(await authorizeRun(request, undefined, body));
      const out: Run[] = [];
      for (const { body, caller } of authorized) out.push(await ctx.runs.create(undefined, body, request.headers, { caller }));
      return out.map(runView);
    },
  );

  app.post<{
    Body: { thread_id?: string; run_ids?: string[]; status?: "pending" | "running" | "all" } | undefined;
    Querystring: { action?: string };
  }>(
    "/runs/cancel",
    {
      schema: {
        body: {
          type: "object",
          properties: { thread_id: uuid, run_ids: { type: "array", items: uuid }, status: { type: "string", enum: ["pending", "running", "all"] } },
        },
        querystring: { type: "object", properties: { action: { type: "string", enum: ["interrupt", "rollback"] } } },
      },
    },
    async (request, reply) => {
      const b = request.body ?? {};
      const action = (request.query.action ?? "interrupt") as "interrupt" | "rollback";
      const runs = await ctx.runs.cancelTargets(b.thread_id, b.run_ids, b.status);
      const ids = runs.map((r) => r.run_id);
      for (const run of runs) {
        await access.thread(
          request,
          "threads:update",
          { thread_id: run.thread_id, action, metadata: { run_ids: ids, status: "pending" } },
          run.thread_id,
          runNotFound,
        );
      }
      await ctx.runs.cancel(b.thread_id, ids, action);
      return reply.status(204).send();
    },
  );
}
