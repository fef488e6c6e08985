// The headers a browser WebSocket offers as a subprotocol (src/shared/
// socket-credentials.ts), copied onto the upgrade request before the API key
// and custom auth look at it. Only credentials travel this way, and a header
// the request really carries wins.
import type { FastifyInstance } from "fastify";
import { headersFromSocketProtocols } from "../../shared/socket-credentials.ts";
import { STUDIO_TOKEN_HEADER } from "../auth/request-auth.ts";

const CARRIED = new Set(["authorization", "x-api-key", STUDIO_TOKEN_HEADER]);

export function installSocketCredentials(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    const offered = request.headers["sec-websocket-protocol"];
    if (request.method !== "GET" || typeof offered !== "string") return;
    for (const [name, value] of Object.entries(headersFromSocketProtocols(offered))) {
      if (CARRIED.has(name) && request.headers[name] === undefined) request.headers[name] = value;
    }
  });
}
