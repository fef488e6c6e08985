// Assistants: CRUD, versions, search, and graph introspection. The logic is
// AssistantService's (assistants/assistant-service.ts); here the schemas and
// the mapping of query strings and pages.
import type { FastifyInstance } from "fastify";
import type { Static } from "typebox";
import type { ServerContext } from "./context.ts";
import { typed } from "./schemas.ts";
import { AssistantService } from "../assistants/assistant-service.ts";
import { Access } from "./access.ts";
import { pageOf, queryFlag, queryFlagSaysNo, selectFields, sendPage } from "./query.ts";
import {
  assistantCount,
  assistantCreate,
  assistantIdParams,
  assistantLatest,
  assistantPatch,
  assistantSearch,
  assistantVersions,
  deleteQuery,
  graphQuery,
  recurseQuery,
  subgraphsQuery,
} from "./assistant-schemas.ts";

/** ?xray: no (absent, false, 0, no), a depth (2, 3...), or yes (anything else, 1 included). */
function xrayDepth(xray: string | string[] | undefined): boolean | number {
  const given = Array.isArray(xray) ? xray[0] : xray;
  if (given === undefined || queryFlagSaysNo(given)) return false;
  return /^\d+$/.test(given) && given !== "1" ? Number(given) : true;
}

export async function assistantRoutes(fastify: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = typed(fastify);
  const assistants = new AssistantService({
    metadata: ctx.persistence.metadata,
    registry: ctx.registry,
    resolveId: (id) => ctx.runs.resolveAssistantId(id),
    deleteThread: (threadId) => ctx.threads.delete(threadId),
    access: new Access(ctx),
  });

  app.post("/assistants", { schema: { body: assistantCreate } }, async (request) => assistants.create(request, request.body));

  app.post("/assistants/search", { schema: { body: assistantSearch } }, async (request, reply) => {
    const { limit: _limit, offset: _offset, select, ...query } = request.body ?? {};
    const page = pageOf(request.body ?? {}, 10);
    const { items, total } = await assistants.search(request, query, page);
    return selectFields(sendPage(reply, items, total, page), select);
  });

  app.post("/assistants/count", { schema: { body: assistantCount } }, async (request) => assistants.count(request, request.body ?? {}));

  app.get("/assistants/:assistant_id", { schema: { params: assistantIdParams } }, async (request) =>
    assistants.get(request, request.params.assistant_id),
  );

  app.patch("/assistants/:assistant_id", { schema: { params: assistantIdParams, body: assistantPatch } }, async (request) =>
    assistants.patch(request, request.params.assistant_id, request.body ?? {}),
  );

  app.delete("/assistants/:assistant_id", { schema: { params: assistantIdParams, querystring: deleteQuery } }, async (request) => [
    await assistants.delete(request, request.params.assistant_id, queryFlag(request.query.delete_threads)),
  ]);

  app.post("/assistants/:assistant_id/latest", { schema: { params: assistantIdParams, body: assistantLatest } }, async (request) =>
    assistants.setLatest(request, request.params.assistant_id, request.body.version),
  );

  app.post("/assistants/:assistant_id/versions", { schema: { params: assistantIdParams, body: assistantVersions } }, async (request) => {
    const body = request.body ?? {};
    return assistants.versions(request, request.params.assistant_id, { ...pageOf(body, 10), metadata: body.metadata });
  });

  app.get("/assistants/:assistant_id/graph", { schema: { params: assistantIdParams, querystring: graphQuery } }, async (request) =>
    assistants.graph(request, request.params.assistant_id, xrayDepth(request.query.xray)),
  );

  app.get("/assistants/:assistant_id/schemas", { schema: { params: assistantIdParams } }, async (request) =>
    assistants.schemas(request, request.params.assistant_id),
  );

  app.get("/assistants/:assistant_id/subgraphs", { schema: { params: assistantIdParams, querystring: subgraphsQuery } }, async (request) =>
    assistants.subgraphs(request, request.params.assistant_id, request.query.namespace, queryFlag(request.query.recurse)),
  );
  // No params schema, as before: the namespace is whatever the path holds.
  app.get<{ Params: { assistant_id: string; namespace: string }; Querystring: Static<typeof recurseQuery> }>(
    "/assistants/:assistant_id/subgraphs/:namespace",
    { schema: { querystring: recurseQuery } },
    async (request) => assistants.subgraphs(request, request.params.assistant_id, request.params.namespace, queryFlag(request.query.recurse)),
  );
}
