// Authenticates every request of the API server (a global onRequest hook, so
// routes registered later, the protocol routes included, are covered too)
// and keeps the caller on `request.auth` for the routes' authorization.
import type { FastifyInstance } from "fastify";
import type { CustomAuth } from "../auth/custom-auth.ts";
import type { AuthContext } from "../auth/types.ts";
import {
  AUTH_CONTEXT_HEADER,
  STUDIO_TOKEN_HEADER,
  decodeAuthContext,
  isPublicRequest,
  resolveAuthContext,
  toFetchRequest,
} from "../auth/request-auth.ts";
import { unauthorized } from "../errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller; undefined when the server has no custom auth or the route is public. */
    auth?: AuthContext;
  }
}

function* headerEntries(headers: Record<string, string | string[] | undefined>): Iterable<[string, string]> {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) yield [name, v];
    else yield [name, value];
  }
}

/** An absolute URL for the handler's Request; a Host header that makes no URL falls back to loopback. */
function requestUrl(host: string | undefined, path: string): string {
  try {
    return new URL(path, `http://${host ?? "127.0.0.1"}`).href;
  } catch {
    return new URL(path.startsWith("/") ? path : "/", "http://127.0.0.1").href;
  }
}

/**
 * `behindFront`: the custom-routes front authenticated the request already
 * and forwards the context (the proxy-secret hook, installed before this one,
 * guarantees the request came from it).
 */
export function installAuthentication(app: FastifyInstance, auth: CustomAuth, options: { behindFront: boolean }): void {
  app.decorateRequest("auth", undefined);
  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0] ?? "/";
    if (isPublicRequest(request.method, path)) return;
    if (options.behindFront) {
      const forwarded = request.headers[AUTH_CONTEXT_HEADER];
      const context = typeof forwarded === "string" ? decodeAuthContext(forwarded) : undefined;
      if (!context) throw unauthorized("Unauthorized");
      request.auth = context;
      return;
    }
    const fetchRequest = toFetchRequest(request.method, requestUrl(request.headers.host, request.url), headerEntries(request.headers));
    const studio = request.headers[STUDIO_TOKEN_HEADER];
    request.auth = await resolveAuthContext(auth, fetchRequest, typeof studio === "string" ? studio : undefined);
  });
}
