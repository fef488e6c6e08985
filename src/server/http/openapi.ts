// GET /openapi.json and GET /docs: the API description generated at startup
// from the routes fastify registers and their JSON schemas (@fastify/swagger
// collects them as they are added, so routes added later appear by
// themselves; a route without a schema is listed with its path and method),
// rendered by Swagger UI, whose files ship in the package: no CDN.
import type { FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";

/** Where the description and the viewer live; neither is part of the API it describes. */
const splitQuery = (url: string): [string, string | undefined] => {
  const at = url.indexOf("?");
  return at === -1 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1)];
};

export const OPENAPI_ROUTES = { document: "/openapi.json", viewer: "/docs" } as const;

/** Call before the API's routes are registered: routes added earlier are not seen. */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, as our route schemas are (3.0 rejects e.g. type arrays).
      openapi: "3.1.0",
      info: {
        title: "skeino",
        version,
        description: "The LangGraph Platform HTTP API as skeino serves it. Errors are the bare message as text/plain with 400/404/409/422.",
      },
    },
    // Group the viewer by resource: the path's first segment (assistants, threads, runs, store...).
    transform: ({ schema, url, route }) => {
      const tag = url.split("/")[1] || "meta";
      const given = (schema ?? {}) as Record<string, unknown>;
      // @fastify/websocket hides its routes from the description; a client still
      // has to learn the socket exists, so it is listed as the GET it begins with.
      const socket = route.websocket ? { hide: false, summary: "WebSocket: send a GET with Upgrade: websocket (101); a plain GET answers 404" } : {};
      return { schema: { ...given, ...socket, tags: (given.tags as string[] | undefined) ?? [tag] } as typeof schema, url, route };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: OPENAPI_ROUTES.viewer,
    uiConfig: { docExpansion: "list", deepLinking: true },
    uiHooks: {
      // @fastify/swagger-ui 5.2 redirects /docs/static/index.html to "/docs/"
      // by rewriting the URL's end, which a query string defeats: the page
      // then redirects to itself forever. Answer that redirect here, query kept.
      onRequest: async (request, reply) => {
        const [path, query] = splitQuery(request.url);
        if (query !== undefined && path.endsWith("/static/index.html"))
          return reply.redirect(`${path.slice(0, -"static/index.html".length)}?${query}`);
      },
    },
  });
  app.get(OPENAPI_ROUTES.document, { schema: { hide: true } }, async () => app.swagger());
}
