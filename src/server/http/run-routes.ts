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

const truthy = (v: string | undefined) => ["true", "1", "yes"].includes((v ?? "").toLowerCase());
const runStatus = ["pending", "running", "error", "success", "timeout", "interrupted"];

export async function runRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const store = ctx.persistence.metadata;

  const location = (run: Run, stateless: boolean) => (stateless ? `/runs/${run.run_id}` : `/threads/${run.thread_id}/runs/${run.run_id}`);

  async function streamRun(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, body: RunCreateBody): Promise<void> {
    const run = await ctx.runs.create(threadId, body, request.headers, { streamed: true });
    const sse = openSse(reply, { contentLocation: location(run, threadId === undefined), withIds: threadId !== undefined, heartbeatMs: ctx.settings.sseHeartbeatMs });
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

  async function waitRun(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, body: RunCreateBody): Promise<void> {
    const run = await ctx.runs.create(threadId, body, request.headers);
    if (body.on_disconnect === "cancel") {
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) void ctx.runs.cancel(run.thread_id, [run.run_id], "interrupt").catch(() => undefined);
      });
    }
    await sendWhenDone(reply, ctx.runs.join(run.run_id, run.thread_id), { "content-location": location(run, threadId === undefined) });
  }

  // Thread-scoped
  app.post<{ Params: { thread_id: string }; Body: RunCreateBody }>(
    "/threads/:thread_id/runs",
    { schema: { params: threadIdParams, body: runCreate } },
    async (request, reply) => {
      const run = await ctx.runs.create(request.params.thread_id, request.body, request.headers);
      reply.header("content-location", location(run, false));
      return run;
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
          properties: { limit: { type: "string", pattern: "^[0-9]{1,15}$" }, offset: { type: "string", pattern: "^[0-9]{1,15}$" }, status: { type: "string", enum: runStatus } },
        },
      },
    },
    async (request) => {
      const { thread_id } = request.params;
      if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
      const limit = Math.min(Number(request.query.limit ?? 10), 1000);
      return store.runs.list(thread_id, { limit, offset: Number(request.query.offset ?? 0), status: request.query.status as RunStatus | undefined });
    },
  );

  app.get<{ Params: { thread_id: string; run_id: string } }>("/threads/:thread_id/runs/:run_id", { schema: { params: threadRunParams } }, async (request) => {
    const { thread_id, run_id } = request.params;
    if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
    const run = await store.runs.get(run_id, thread_id);
    if (!run) throw runNotFound();
    return run;
  });

  app.delete<{ Params: { thread_id: string; run_id: string } }>(
    "/threads/:thread_id/runs/:run_id",
    { schema: { params: threadRunParams } },
    async (request, reply) => {
      await ctx.runs.deleteRun(request.params.thread_id, request.params.run_id);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { thread_id: string; run_id: string } }>("/threads/:thread_id/runs/:run_id/join", { schema: { params: threadRunParams } }, async (request, reply) => {
    const { thread_id, run_id } = request.params;
    if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
    await sendWhenDone(reply, ctx.runs.join(run_id, thread_id), {});
  });

  const joinStream = async (request: FastifyRequest<{ Params: { thread_id?: string; run_id: string }; Querystring: { cancel_on_disconnect?: string } }>, reply: FastifyReply) => {
    const { thread_id, run_id } = request.params;
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
    const lastEventId = parseLastEventId(request.headers["last-event-id"]);
    if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
    const runs = await store.runs.active(thread_id);
    const active = runs.find((r) => r.status === "running") ?? runs[0];
    const sse = openSse(reply, { withIds: true, heartbeatMs: ctx.settings.sseHeartbeatMs });
    if (!active) {
      sse.end();
      return;
    }
    const events = ctx.engine.subscribe(active.run_id, { lastEventId: lastEventId ?? (active.kwargs.resumable ? "-1" : undefined), signal: sse.closed });
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
      const before = await store.runs.get(run_id, thread_id);
      const pendingEnd = before && (before.status === "running" || before.status === "pending") ? ctx.engine.waitFor(run_id) : undefined;
      await ctx.runs.cancel(thread_id, [run_id], action);
      if (wait) {
        await pendingEnd;
        return reply.status(204).send();
      }
      return reply.status(202).send();
    },
  );

  // Stateless
  app.post<{ Body: RunCreateBody }>("/runs", { schema: { body: runCreate } }, async (request, reply) => {
    const run = await ctx.runs.create(undefined, request.body, request.headers);
    reply.header("content-location", location(run, true));
    return run;
  });
  app.post<{ Body: RunCreateBody }>("/runs/stream", { schema: { body: runCreate } }, async (request, reply) => streamRun(request, reply, undefined, request.body));
  app.post<{ Body: RunCreateBody }>("/runs/wait", { schema: { body: runCreate } }, async (request, reply) => waitRun(request, reply, undefined, request.body));
  app.post<{ Body: RunCreateBody[] }>("/runs/batch", { schema: { body: { type: "array", minItems: 1, maxItems: 1000, items: runCreate } } }, async (request) => {
    // All or nothing: check every item before creating any.
    for (const body of request.body) {
      checkWebhook(body.webhook);
      await ctx.runs.assertAssistant(body.assistant_id);
    }
    const out: Run[] = [];
    for (const body of request.body) out.push(await ctx.runs.create(undefined, body, request.headers));
    return out;
  });

  app.post<{ Body: { thread_id?: string; run_ids?: string[]; status?: "pending" | "running" | "all" } | undefined; Querystring: { action?: string } }>(
    "/runs/cancel",
    {
      schema: {
        body: { type: "object", properties: { thread_id: uuid, run_ids: { type: "array", items: uuid }, status: { type: "string", enum: ["pending", "running", "all"] } } },
        querystring: { type: "object", properties: { action: { type: "string", enum: ["interrupt", "rollback"] } } },
      },
    },
    async (request, reply) => {
      const b = request.body ?? {};
      const action = (request.query.action ?? "interrupt") as "interrupt" | "rollback";
      let ids = b.run_ids ?? [];
      if (b.thread_id && !b.run_ids) {
        const active = await store.runs.active(b.thread_id);
        ids = active.filter((r) => !b.status || b.status === "all" || r.status === b.status).map((r) => r.run_id);
      }
      for (const id of ids) {
        const run = await store.runs.get(id, b.thread_id);
        if (!run) throw runNotFound();
      }
      await ctx.runs.cancel(b.thread_id, ids, action);
      return reply.status(204).send();
    },
  );
}
