// GET /openapi.json: generated from the routes fastify registers, valid
// OpenAPI 3 for a maintained validator, listing every route of the server
// (compared with fastify's own route table, so a route added anywhere must
// appear); GET /docs: the Swagger UI viewer, its files served by the server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { OPENAPI_ROUTES } from "../../../src/server/http/openapi.ts";

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { tags?: string[]; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/**
 * "METHOD /path" for every route in fastify's own router, read from its
 * printRoutes() tree (independent of the onRoute hook the generator uses):
 *   ├── /threads (POST)
 *   │   └── /:thread_id (GET, HEAD, PATCH, DELETE)
 */
function routerRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = (m[1] as string).length / 4;
    stack.push(m[2] as string);
    for (const method of m[3]?.split(", ") ?? []) routes.push(`${method} ${stack.join("")}`);
  }
  return routes;
}

describe("the API description", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer("memory");
  });
  afterAll(() => server?.close());

  const fetchDocument = async () => {
    const res = await fetch(`${server.url}${OPENAPI_ROUTES.document}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    return (await res.json()) as OpenApiDocument;
  };

  it("validates as OpenAPI 3", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toMatchObject({ title: "skeino" });
    const result = await new Validator().validate(document as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("lists every route the server registers, and nothing else", async () => {
    const document = await fetchDocument();
    const described = new Set<string>();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item).filter((m) => HTTP_METHODS.includes(m))) described.add(`${method.toUpperCase()} ${path}`);
    }
    const registered = new Set<string>();
    for (const route of routerRoutes(server.app.fastify.printRoutes({ commonPrefix: false }))) {
      const [method, url] = route.split(" ") as [string, string];
      if (url === OPENAPI_ROUTES.document || url.startsWith(OPENAPI_ROUTES.viewer)) continue;
      // HEAD is fastify's automatic twin of every GET; OpenAPI describes the GET.
      if (method === "HEAD") continue;
      registered.add(`${method} ${url.replace(/:(\w+)/g, "{$1}")}`);
    }
    expect(registered.size).toBeGreaterThan(40);
    expect([...described].sort()).toEqual([...registered].sort());
  });

  it("describes request bodies and path parameters from the route schemas", async () => {
    const { paths } = await fetchDocument();
    const create = paths["/threads/{thread_id}/runs"]?.post;
    expect(create?.requestBody).toBeDefined();
    expect(create?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "thread_id", in: "path" })]));
    expect(create?.tags).toEqual(["threads"]);
    expect(paths["/ok"]?.get).toBeDefined();
  });

  it("serves the viewer and its assets from the server itself", async () => {
    const page = await fetch(`${server.url}${OPENAPI_ROUTES.viewer}/`, { redirect: "follow" });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/i);
    // Every script and stylesheet is local: no CDN.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await fetch(new URL(asset, `${server.url}${OPENAPI_ROUTES.viewer}/`));
      expect(res.status, asset).toBe(200);
    }
  });

  it("sends the viewer's index.html with a query string to the viewer, query kept (not to itself)", async () => {
    const res = await fetch(`${server.url}${OPENAPI_ROUTES.viewer}/static/index.html?limit=abc`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${OPENAPI_ROUTES.viewer}/?limit=abc`);
    expect((await fetch(`${server.url}${OPENAPI_ROUTES.viewer}/static/index.html?limit=abc`)).status).toBe(200);
  });
});
