// POST /internal/truncate: wipes data between test groups (test suites only;
// off unless SKEINO_INTERNAL_TRUNCATE=1 or settings.internalTruncate).
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { ServerContext } from "./context.ts";
import { optionalBody, typed } from "./schemas.ts";

const flag = Type.Optional(Type.Boolean());
const truncate = optionalBody(
  Type.Object({ runs: flag, threads: flag, assistants: flag, checkpointer: flag, checkpoint: flag, store: flag, crons: flag }),
);

export async function internalRoutes(fastify: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = typed(fastify);
  app.post("/internal/truncate", { schema: { body: truncate } }, async (request) => {
    const b = request.body ?? {};
    const { metadata, checkpoints, store } = ctx.persistence;
    // Crons go with their runs (the reference has none; its suites never send "crons").
    if (b.crons || b.runs) await ctx.persistence.crons.truncate();
    if (b.runs) await metadata.runs.truncate();
    if (b.threads) await metadata.threads.truncate();
    if (b.assistants) await metadata.assistants.truncateUserAssistants();
    if (b.checkpointer || b.checkpoint) await checkpoints.truncate();
    if (b.store) {
      const clearable = store as unknown as { clear?: () => void | Promise<void>; truncate?: () => Promise<void> };
      if (clearable.clear) await clearable.clear();
      else if (clearable.truncate) await clearable.truncate();
    }
    return { ok: true };
  });
}
