// The headers a browser WebSocket offers as a subprotocol (src/shared/
// socket-credentials.ts), copied onto the upgrade request before the API key
// and custom auth look at it. Only credentials travel this way, and a header
// the request really carries wins.
import type { FastifyInstance } from "fastify";
import { headersFromSocketProtocols } from "../../shared/socket-credentials.ts";
import { STUDIO_TOKEN_HEADER } from "../auth/request-auth.ts";

const CARRIED = new Set(["authorization", "x-api-key", STUDIO_TOKEN_HEADER]);

/** The credentials a `Sec-WebSocket-Protocol` header carries (lower-case names; only those taken this way). */
export function socketCredentials(offered: string | string[] | undefined): Record<string, string> {
  if (typeof offered !== "string") return {};
  return Object.fromEntries(Object.entries(headersFromSocketProtocols(offered)).filter(([name]) => CARRIED.has(name)));
}

export function installSocketCredentials(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (request.method !== "GET") return;
    for (const [name, value] of Object.entries(socketCredentials(request.headers["sec-websocket-protocol"]))) {
      if (request.headers[name] === undefined) request.headers[name] = value;
    }
  });
}
