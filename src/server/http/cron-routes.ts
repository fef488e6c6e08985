// Crons: create (thread and stateless), update, delete, search, count; plus
// skeino's read-outs of a cron's firings and a schedule preview (Studio).
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "./context.ts";
import type { CronCreateBody, CronSearchBody, CronUpdateBody } from "../crons/cron-service.ts";
import { CRON_SORT_FIELDS } from "../persistence/cron-store.ts";
import { config, limit, objOrNull, offset, sortOrder, streamMode, strArray, threadIdParams, uuid } from "./schemas.ts";

const interruptNodes = { anyOf: [{ type: "string", enum: ["*"] }, strArray] } as const;
const nullableString = { type: ["string", "null"] } as const;

const payloadProperties = {
  input: {},
  config,
  context: objOrNull,
  metadata: objOrNull,
  interrupt_before: interruptNodes,
  interrupt_after: interruptNodes,
  webhook: { type: ["string", "null"], minLength: 1 },
  multitask_strategy: { type: "string", enum: ["reject", "rollback", "interrupt", "enqueue"] },
  stream_mode: streamMode,
  stream_subgraphs: { type: "boolean" },
  stream_resumable: { type: "boolean" },
  checkpoint_during: { type: "boolean" },
  durability: { type: "string", enum: ["sync", "async", "exit"] },
  schedule: { type: "string", minLength: 1 },
  timezone: nullableString,
  end_time: nullableString,
  enabled: { type: "boolean" },
  on_run_completed: { type: "string", enum: ["delete", "keep"] },
} as const;

const cronCreate = {
  type: "object",
  required: ["assistant_id", "schedule"],
  properties: { assistant_id: { type: "string", minLength: 1 }, ...payloadProperties },
} as const;

const cronUpdate = { type: "object", properties: payloadProperties } as const;

const cronIdParams = { type: "object", required: ["cron_id"], properties: { cron_id: uuid } } as const;

const CRON_SELECT = [
  "cron_id",
  "assistant_id",
  "thread_id",
  "end_time",
  "schedule",
  "created_at",
  "updated_at",
  "user_id",
  "payload",
  "next_run_date",
  "metadata",
  "now",
  "timezone",
  "enabled",
  "on_run_completed",
];

const filterProperties = { assistant_id: { type: "string", minLength: 1 }, thread_id: uuid, metadata: objOrNull } as const;

export async function cronRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const crons = ctx.crons;

  app.post<{ Body: CronCreateBody }>("/runs/crons", { schema: { body: cronCreate } }, async (request) =>
    crons.create(undefined, request.body, request.auth),
  );

  app.post<{ Params: { thread_id: string }; Body: CronCreateBody }>(
    "/threads/:thread_id/runs/crons",
    { schema: { params: threadIdParams, body: cronCreate } },
    async (request) => crons.create(request.params.thread_id, request.body, request.auth),
  );

  app.patch<{ Params: { cron_id: string }; Body: CronUpdateBody }>(
    "/runs/crons/:cron_id",
    { schema: { params: cronIdParams, body: cronUpdate } },
    async (request) => crons.update(request.params.cron_id, request.body ?? {}, request.auth),
  );

  app.get<{ Params: { cron_id: string } }>("/runs/crons/:cron_id", { schema: { params: cronIdParams } }, async (request) =>
    crons.get(request.params.cron_id, request.auth),
  );

  app.delete<{ Params: { cron_id: string } }>("/runs/crons/:cron_id", { schema: { params: cronIdParams } }, async (request, reply) => {
    await crons.delete(request.params.cron_id, request.auth);
    return reply.status(204).send();
  });

  app.post<{ Body: CronSearchBody }>(
    "/runs/crons/search",
    {
      schema: {
        body: {
          type: ["object", "null"],
          properties: {
            ...filterProperties,
            enabled: { type: "boolean" },
            limit,
            offset,
            sort_by: { type: "string", enum: [...CRON_SORT_FIELDS] },
            sort_order: sortOrder,
            select: { type: "array", items: { type: "string", enum: CRON_SELECT } },
          },
        },
      },
    },
    async (request) => crons.search(request.body ?? {}, request.auth),
  );

  app.post<{ Body: CronSearchBody }>(
    "/runs/crons/count",
    { schema: { body: { type: ["object", "null"], properties: filterProperties } } },
    async (request) => crons.count(request.body ?? {}, request.auth),
  );

  // skeino extensions: what became of a cron's due times, and a schedule's next times.
  // Query strings stay strings (the app does not coerce types): a digits pattern, then Number.
  app.get<{ Params: { cron_id: string }; Querystring: { limit?: string } }>(
    "/runs/crons/:cron_id/firings",
    { schema: { params: cronIdParams, querystring: { type: "object", properties: { limit: { type: "string", pattern: "^[1-9][0-9]{0,2}$" } } } } },
    async (request) => crons.firings(request.params.cron_id, Number(request.query.limit ?? 20), request.auth),
  );

  app.post<{ Body: { schedule: string; timezone?: string | null; count?: number } }>(
    "/runs/crons/preview",
    {
      schema: {
        body: {
          type: "object",
          required: ["schedule"],
          properties: { schedule: { type: "string", minLength: 1 }, timezone: nullableString, count: { type: "integer", minimum: 1, maximum: 100 } },
        },
      },
    },
    async (request) => ({ next_run_dates: crons.preview(request.body.schedule, request.body.timezone, request.body.count ?? 5) }),
  );
}
