// The protocol's three routes: commands as JSON request/response, events as
// one filtered SSE stream per request, and a WebSocket carrying both. With
// custom auth, each command is authorized with its own caller (commands.ts)
// and each stream passes threads:read before it opens, then a ThreadGate.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import type { ServerContext } from "../http/context.ts";
import { openSse, pipeEvents } from "../http/sse.ts";
import { threadIdParams } from "../http/schemas.ts";
import { HttpError } from "../errors.ts";
import type { StreamEvent } from "../runs/stream-broker.ts";
import { parseCommand } from "./command-envelope.ts";
import { ProtocolError, errorEnvelope, invalidArgument } from "./errors.ts";
import { eventEnvelope, matchesFilter, parseFilter, type EventFilter } from "./event-filter.ts";
import type { ProtocolService } from "./protocol-service.ts";
import { SocketSession } from "./socket-session.ts";
import { ThreadGate } from "./thread-gate.ts";
import { Access } from "../http/access.ts";
import type { Logger } from "../logger.ts";

/** Larger command frames close the socket (1009): commands are small, inputs included. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

// A body that is not a command at all (bad JSON, too large, a thread id
// that is not a UUID) still answers in the protocol's terms, with its 4xx.
function commandErrorHandler(log: Logger) {
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    const status =
      error instanceof HttpError
        ? error.status
        : error.validation
          ? 422
          : typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500
            ? error.statusCode
            : 500;
    const message =
      error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? "The command is too large."
        : error.validation
          ? `Invalid ${error.validationContext ?? "request"}: ${error.message}`
          : status === 400
            ? `Protocol commands must be valid JSON (${error.message}).`
            : error.message;
    if (status >= 500) log.error("protocol command failed", { error: error.message, stack: error.stack });
    void reply
      .status(status)
      .type("application/json")
      .send(errorEnvelope(null, status >= 500 ? error : invalidArgument(message)));
  };
}

export async function protocolRoutes(app: FastifyInstance, ctx: ServerContext, protocol: ProtocolService): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  const access = new Access(ctx);
  const openGate = (request: FastifyRequest<{ Params: { thread_id: string } }>) =>
    ThreadGate.open(access, ctx.persistence.metadata.threads, request, request.params.thread_id);

  app.post<{ Params: { thread_id: string } }>(
    "/threads/:thread_id/commands",
    { schema: { params: threadIdParams }, errorHandler: commandErrorHandler(ctx.log) },
    async (request, reply) => {
      const command = parseCommand(request.body);
      // Not a command (no integer id or no method): nobody to answer to, a 400.
      if ("type" in command)
        return reply
          .status(command.id === null ? 400 : 200)
          .type("application/json")
          .send(command);
      const answer = await protocol.commands.dispatch(request.params.thread_id, command, request, request.headers);
      return reply.type("application/json").send(answer);
    },
  );

  app.post<{ Params: { thread_id: string } }>("/threads/:thread_id/stream/events", { schema: { params: threadIdParams } }, async (request, reply) => {
    let filter: EventFilter & { since?: number };
    try {
      filter = parseFilter(request.body ?? {});
    } catch (error) {
      throw new HttpError(422, error instanceof ProtocolError ? error.message : String(error));
    }
    const threadId = request.params.thread_id;
    const gate = await openGate(request);
    // Headers go out at once: the SDK's subscribe() resolves on them.
    const start = await protocol.streamStart(threadId, filter.since);
    const sse = openSse(reply, { withIds: true, heartbeatMs: ctx.settings.sseHeartbeatMs });
    async function* matching(): AsyncGenerator<StreamEvent> {
      for await (const e of protocol.follow(threadId, start, sse.closed)) {
        if (matchesFilter(e, filter) && (await gate.allows(e))) yield { id: e.seq, event: e.method, data: eventEnvelope(e) };
      }
    }
    // The stream stays open across runs until the client hangs up: the SDK
    // does not reopen a stream that ended cleanly.
    await pipeEvents(matching(), sse, reply);
  });

  // threads:read runs before the upgrade, so a refusal is an HTTP answer.
  const gates = new WeakMap<FastifyRequest, ThreadGate>();
  app.get<{ Params: { thread_id: string } }>(
    "/threads/:thread_id/stream/events",
    {
      websocket: true,
      schema: { params: threadIdParams },
      preHandler: async (request) => {
        gates.set(request, await openGate(request));
      },
    },
    (socket, request) => {
      const gate = gates.get(request);
      gates.delete(request);
      if (!gate) return socket.close(1011, "not authorized");
      // The session lives as long as its socket: the socket's events hold it.
      // Its commands run as the user who opened it (authenticated on the upgrade).
      new SocketSession(socket, request.params.thread_id, protocol, { auth: request.auth }, gate, request.headers);
    },
  );
}
