// Joining the events of a run already under way: a thread's run, a stateless
// run, or a thread's active run (useStream reconnects with it). Last-Event-ID
// resumes after the last event the client saw.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import type { ServerContext } from "./context.ts";
import { threadNotFound } from "../errors.ts";
import { openSse, pipeEvents } from "./sse.ts";
import { parseLastEventId } from "./last-event-id.ts";
import { threadIdParams, threadRunParams, type TypedApp } from "./schemas.ts";
import { joinStreamQuery, runIdParams } from "./run-schemas.ts";
import { queryFlag } from "./query.ts";
import { serializeJson } from "../serialize.ts";
import type { RunResponder } from "./run-replies.ts";

type JoinRequest = FastifyRequest<{ Params: { thread_id?: string; run_id: string }; Querystring: Static<typeof joinStreamQuery> }>;

export function runStreamRoutes(app: TypedApp, ctx: ServerContext, runs: RunResponder): void {
  const store = ctx.persistence.metadata;

  const joinStream = async (request: JoinRequest, reply: FastifyReply) => {
    const { thread_id, run_id } = request.params;
    // A thread the caller may not read gets the answer of a missing one, in the stream.
    const hidden = ctx.auth ? await runs.streamHidden(request, thread_id ?? (await store.runs.get(run_id))?.thread_id) : false;
    if (hidden) return runs.streamNotFound(reply);
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
    if (queryFlag(request.query.cancel_on_disconnect)) sse.closed.addEventListener("abort", () => runs.cancelQuietly(run));
    await pipeEvents(events, sse, reply);
  };
  app.get("/threads/:thread_id/runs/:run_id/stream", { schema: { params: threadRunParams, querystring: joinStreamQuery } }, joinStream);
  app.get("/runs/:run_id/stream", { schema: { params: runIdParams, querystring: joinStreamQuery } }, joinStream);

  app.get("/threads/:thread_id/stream", { schema: { params: threadIdParams } }, async (request, reply) => {
    const { thread_id } = request.params;
    if (ctx.auth && (await runs.streamHidden(request, thread_id))) return runs.streamNotFound(reply);
    const lastEventId = parseLastEventId(request.headers["last-event-id"]);
    if (!(await store.threads.get(thread_id))) throw threadNotFound(thread_id);
    const active = await store.runs.active(thread_id);
    const current = active.find((r) => r.status === "running") ?? active[0];
    const sse = openSse(reply, { withIds: true, heartbeatMs: ctx.settings.sseHeartbeatMs });
    if (!current) {
      sse.end();
      return;
    }
    const events = ctx.engine.subscribe(current.run_id, {
      lastEventId: lastEventId ?? (current.kwargs.resumable ? "-1" : undefined),
      signal: sse.closed,
    });
    await pipeEvents(events, sse, reply);
  });
}
