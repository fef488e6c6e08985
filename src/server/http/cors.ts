// CORS: closed by default except for loopback origins (the Studio and local
// tools), an explicit allow-list otherwise, "*" only when asked for.
import type { FastifyInstance } from "fastify";

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

export function installCors(app: FastifyInstance, allowed: string[] | "*"): void {
  const allows = (origin: string) => allowed === "*" || LOOPBACK.test(origin) || allowed.includes(origin);
  // A callback hook, not an async one: it runs on every request, and most
  // requests (no Origin header) need nothing from it.
  app.addHook("onRequest", (request, reply, done) => {
    const origin = request.headers.origin;
    if (!origin || !allows(origin)) return done();
    reply.header("access-control-allow-origin", allowed === "*" ? "*" : origin);
    reply.header("vary", "Origin");
    reply.header("access-control-expose-headers", "content-location, x-pagination-total, x-pagination-next");
    if (request.method === "OPTIONS") {
      reply.header("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      reply.header("access-control-allow-headers", request.headers["access-control-request-headers"] ?? "content-type, x-api-key, last-event-id");
      reply.header("access-control-max-age", "600");
      void reply.status(204).send();
      return;
    }
    done();
  });
}
