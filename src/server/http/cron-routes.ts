// Crons: create (thread and stateless), update, delete, search, count; plus
// skeino's read-outs of a cron's firings and a schedule preview (Studio).
// Custom auth on crons is CronService's: routes pass `request.auth`.
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "./context.ts";
import { threadIdParams, typed } from "./schemas.ts";
import { cronCount, cronCreate, cronIdParams, cronSearch, cronUpdate, firingsQuery, schedulePreview } from "./cron-schemas.ts";

export async function cronRoutes(fastify: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = typed(fastify);
  const crons = ctx.crons;

  app.post("/runs/crons", { schema: { body: cronCreate } }, async (request) => crons.create(undefined, request.body, request.auth));

  app.post("/threads/:thread_id/runs/crons", { schema: { params: threadIdParams, body: cronCreate } }, async (request) =>
    crons.create(request.params.thread_id, request.body, request.auth),
  );

  app.patch("/runs/crons/:cron_id", { schema: { params: cronIdParams, body: cronUpdate } }, async (request) =>
    crons.update(request.params.cron_id, request.body ?? {}, request.auth),
  );

  app.get("/runs/crons/:cron_id", { schema: { params: cronIdParams } }, async (request) => crons.get(request.params.cron_id, request.auth));

  app.delete("/runs/crons/:cron_id", { schema: { params: cronIdParams } }, async (request, reply) => {
    await crons.delete(request.params.cron_id, request.auth);
    return reply.status(204).send();
  });

  app.post("/runs/crons/search", { schema: { body: cronSearch } }, async (request) => crons.search(request.body ?? {}, request.auth));

  app.post("/runs/crons/count", { schema: { body: cronCount } }, async (request) => crons.count(request.body ?? {}, request.auth));

  // skeino extensions: what became of a cron's due times, and a schedule's next times.
  app.get("/runs/crons/:cron_id/firings", { schema: { params: cronIdParams, querystring: firingsQuery } }, async (request) =>
    crons.firings(request.params.cron_id, Number(request.query.limit ?? 20), request.auth),
  );

  app.post("/runs/crons/preview", { schema: { body: schedulePreview } }, async (request) => ({
    next_run_dates: crons.preview(request.body.schedule, request.body.timezone, request.body.count ?? 5),
  }));
}
