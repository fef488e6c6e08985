// GET /ok and GET /info.
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "./context.ts";

export async function metaRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.get("/ok", async () => ({ ok: true }));
  app.get("/info", async () => ({
    version: ctx.version,
    server: "skeino",
    context: "js",
    boot_id: ctx.bootId,
    worker_id: ctx.engine.workerId,
    started_at: ctx.startedAt.toISOString(),
    persistence: { scheme: ctx.persistence.scheme },
    graphs: ctx.registry.ids(),
    flags: { assistants: true, crons: true, langsmith: false, store: true, internal_truncate: ctx.settings.internalTruncate },
    ...(ctx.devStatus ? { dev: ctx.devStatus() } : {}),
  }));
}
