// Optional API-key auth (x-api-key) for servers reachable beyond loopback.
// /ok stays open for health checks; CORS preflights carry no credentials.
import { timingSafeEqual, createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";

const digest = (value: string) => createHash("sha256").update(value).digest();

export function installApiKeyAuth(app: FastifyInstance, apiKey: string): void {
  const expected = digest(apiKey);
  app.addHook("onRequest", async (request, reply) => {
    if (request.method === "OPTIONS" || request.url === "/ok") return;
    const given = request.headers["x-api-key"];
    const ok = typeof given === "string" && timingSafeEqual(digest(given), expected);
    if (!ok) {
      await reply.status(401).type("text/plain; charset=utf-8").send("Missing or invalid API key: send it in the x-api-key header");
    }
  });
}
