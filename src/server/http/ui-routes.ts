// Generative UI routes, as the SDK's client["~ui"] and LoadExternalComponent
// call them: POST /ui/{name} answers the HTML that loads a component set's
// bundle (its stylesheets and script), GET /ui/{name}/{file} serves the files.
import { extname } from "node:path";
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "typebox";
import type { UiFile } from "../ui/bundle.ts";
import { uiGlobalName } from "../ui/bundle.ts";
import { notFound } from "../errors.ts";

const MIME: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;
const escapeAttr = (value: string) => value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("'", "&#39;").replaceAll("<", "&lt;");

/** POST /ui/:agent: which component of the agent's UI bundle to render. */
const uiRequest = Type.Object({ name: Type.String() });

export async function uiRoutes(app: FastifyInstance, bundles: Map<string, UiFile[]>): Promise<void> {
  const filesOf = (name: string) => {
    const files = bundles.get(name);
    if (!files?.length) throw notFound(`UI not found for agent "${name}"`);
    return files;
  };

  // No params schema, as before: the agent is whatever the path holds (an unknown one is a 404).
  app.post<{ Params: { agent: string }; Body: Static<typeof uiRequest> }>("/ui/:agent", { schema: { body: uiRequest } }, async (request, reply) => {
    const { agent } = request.params;
    const files = filesOf(agent);
    const host = request.headers.host ?? "";
    // Loopback is plain http; elsewhere the page's own scheme (a proxy may terminate TLS).
    const base = `${LOOPBACK_HOST.test(host) ? "http:" : ""}//${host}/ui/${encodeURIComponent(agent)}`;
    const html: string[] = [];
    for (const css of files.filter((f) => extname(f.basename) === ".css")) {
      html.push(`<link rel="stylesheet" href="${escapeAttr(`${base}/${css.basename}`)}" />`);
    }
    const js = files.find((f) => extname(f.basename) === ".js");
    if (js) {
      const call = `${uiGlobalName(agent)}.render(${JSON.stringify(request.body.name)}, "{{shadowRootId}}")`;
      html.push(`<script src="${escapeAttr(`${base}/${js.basename}`)}" onload='${call.replaceAll("'", "&#39;")}'></script>`);
    }
    return reply.type("text/html; charset=utf-8").send(html.join("\n"));
  });

  app.get<{ Params: { agent: string; file: string } }>("/ui/:agent/:file", async (request, reply) => {
    const file = filesOf(request.params.agent).find((f) => f.basename === request.params.file);
    if (!file) throw notFound(`File not found: ${request.params.file}`);
    return reply.type(MIME[extname(file.basename)] ?? "application/octet-stream").send(Buffer.from(file.contents));
  });
}
