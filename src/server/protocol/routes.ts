// The protocol's three routes: commands as JSON request/response, events as
// one filtered SSE stream per request, and a WebSocket carrying both.
import type { FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { ServerContext } from "../http/context.ts";
import { openSse, pipeEvents } from "../http/sse.ts";
import { threadIdParams } from "../http/schemas.ts";
import { HttpError } from "../errors.ts";
import type { StreamEvent } from "../runs/stream-broker.ts";
import { parseCommand } from "./commands.ts";
import { ProtocolError } from "./errors.ts";
import { eventEnvelope, matchesFilter, parseFilter, type EventFilter } from "./event-filter.ts";
import type { ProtocolService } from "./protocol-service.ts";
import { SocketSession } from "./socket-session.ts";

/** Larger command frames close the socket (1009): commands are small, inputs included. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export async function protocolRoutes(app: FastifyInstance, ctx: ServerContext, protocol: ProtocolService): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  const sockets = new Set<SocketSession>();

  app.post<{ Params: { thread_id: string } }>("/threads/:thread_id/commands", { schema: { params: threadIdParams } }, async (request, reply) => {
    const command = parseCommand(request.body);
    if ("type" in command) return reply.type("application/json").send(command);
    const answer = await protocol.commands.dispatch(request.params.thread_id, command, request.headers);
    return reply.type("application/json").send(answer);
  });

  app.post<{ Params: { thread_id: string } }>("/threads/:thread_id/stream/events", { schema: { params: threadIdParams } }, async (request, reply) => {
    let filter: EventFilter & { since?: number };
    try {
      filter = parseFilter(request.body ?? {});
    } catch (error) {
      throw new HttpError(422, error instanceof ProtocolError ? error.message : String(error));
    }
    const threadId = request.params.thread_id;
    // Headers go out at once: the SDK's subscribe() resolves on them.
    const start = await protocol.streamStart(threadId, filter.since);
    const sse = openSse(reply, { withIds: true });
    async function* matching(): AsyncGenerator<StreamEvent> {
      for await (const e of protocol.follow(threadId, start, sse.closed)) {
        if (matchesFilter(e, filter)) yield { id: e.seq, event: e.method, data: eventEnvelope(e) };
      }
    }
    // The stream stays open across runs until the client hangs up: the SDK
    // does not reopen a stream that ended cleanly.
    await pipeEvents(matching(), sse, reply);
  });

  app.get<{ Params: { thread_id: string } }>("/threads/:thread_id/stream/events", { websocket: true, schema: { params: threadIdParams } }, (socket, request) => {
    const session: SocketSession = new SocketSession(socket, request.params.thread_id, protocol, request.headers, () => sockets.delete(session));
    sockets.add(session);
  });

  void ctx;
}
