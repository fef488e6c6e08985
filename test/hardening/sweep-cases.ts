// The generator behind the hostile sweep: for every route the server
// registers, a valid request (from SAMPLES) and mutations of it, one hostile
// value at a time, in each path parameter, query parameter, body field and
// resume header. Placeholders ({thread}, {assistant}, {run}, {checkpoint},
// {cron}) are filled per backend with rows seeded for that route.
import type { RawRequest } from "./support.ts";

export const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

/** A registered route: method, URL pattern, and the field names its schemas declare. */
export interface RouteInfo {
  method: string;
  url: string;
  bodyFields: string[];
  bodyIsArray: boolean;
  queryFields: string[];
}

export interface SweepCase extends RawRequest {
  route: string;
  name: string;
}

/** One valid request per route; the sweep refuses to run if a registered route has none. */
export interface Sample {
  path?: string;
  body?: unknown;
  query?: string;
  headers?: Record<string, string>;
  /** Fields to mutate where the route parses its body by hand (no schema declares them). */
  bodyFields?: string[];
  /** The answer is a stream that stays open: its status and headers are the answer. */
  untilHeaders?: boolean;
}

export const SAMPLES: Record<string, Sample> = {
  "GET /ok": {},
  "GET /info": {},
  "POST /assistants": { body: { graph_id: "simple", name: "sweep", metadata: { k: "v" } } },
  "POST /assistants/search": { body: { graph_id: "simple", limit: 5, offset: 0 } },
  "POST /assistants/count": { body: { graph_id: "simple" } },
  "GET /assistants/:assistant_id": {},
  "PATCH /assistants/:assistant_id": { body: { name: "renamed", metadata: { k: "w" } } },
  "DELETE /assistants/:assistant_id": {},
  "POST /assistants/:assistant_id/latest": { body: { version: 1 } },
  "POST /assistants/:assistant_id/versions": { body: { limit: 5, offset: 0 } },
  "GET /assistants/:assistant_id/graph": { query: "xray=false" },
  "GET /assistants/:assistant_id/schemas": {},
  "GET /assistants/:assistant_id/subgraphs": {},
  "GET /assistants/:assistant_id/subgraphs/:namespace": { path: "/assistants/{assistant}/subgraphs/child" },
  "POST /threads": { body: { metadata: { k: "v" } } },
  "POST /threads/search": { body: { metadata: { k: "v" }, limit: 5, offset: 0 } },
  "POST /threads/count": { body: { metadata: { k: "v" } } },
  "GET /threads/:thread_id": {},
  "PATCH /threads/:thread_id": { body: { metadata: { k: "w" } } },
  "DELETE /threads/:thread_id": {},
  "POST /threads/:thread_id/copy": {},
  "GET /threads/:thread_id/state": {},
  "GET /threads/:thread_id/state/:checkpoint_id": { path: "/threads/{thread}/state/{checkpoint}" },
  "POST /threads/:thread_id/state/checkpoint": { body: { checkpoint: { checkpoint_id: "{checkpoint}" } } },
  "POST /threads/:thread_id/state": { body: { values: { messages: ["x"] }, as_node: "a" } },
  "GET /threads/:thread_id/history": { query: "limit=5" },
  "POST /threads/:thread_id/history": { body: { limit: 5 } },
  "POST /threads/:thread_id/runs": { body: { assistant_id: "simple", input: {}, multitask_strategy: "enqueue" } },
  "POST /threads/:thread_id/runs/stream": { body: { assistant_id: "simple", input: {}, multitask_strategy: "enqueue" } },
  "POST /threads/:thread_id/runs/wait": { body: { assistant_id: "simple", input: {}, multitask_strategy: "enqueue" } },
  "GET /threads/:thread_id/runs": { query: "limit=5&offset=0" },
  "GET /threads/:thread_id/runs/:run_id": {},
  "DELETE /threads/:thread_id/runs/:run_id": {},
  "GET /threads/:thread_id/runs/:run_id/join": {},
  "GET /threads/:thread_id/runs/:run_id/stream": { headers: { "last-event-id": "-1" } },
  "GET /threads/:thread_id/stream": { headers: { "last-event-id": "-1" } },
  "GET /runs/:run_id/stream": { headers: { "last-event-id": "-1" } },
  "POST /threads/:thread_id/runs/:run_id/cancel": { query: "action=interrupt" },
  "POST /runs": { body: { assistant_id: "simple", input: {} } },
  "POST /runs/stream": { body: { assistant_id: "simple", input: {} } },
  "POST /runs/wait": { body: { assistant_id: "simple", input: {} } },
  "POST /runs/batch": { body: [{ assistant_id: "simple", input: {} }] },
  "POST /runs/cancel": { body: { run_ids: ["{run}"] } },
  "PUT /store/items": { body: { namespace: ["sweep", "ns"], key: "k", value: { v: 1 } } },
  "GET /store/items": { query: "namespace=sweep.ns&key=k" },
  "DELETE /store/items": { body: { namespace: ["sweep", "ns"], key: "k" } },
  "POST /store/items/search": { body: { namespace_prefix: ["sweep"], filter: { v: 1 }, limit: 5, offset: 0 } },
  "POST /store/namespaces": { body: { prefix: ["sweep"], max_depth: 2, limit: 5, offset: 0 } },
  "POST /internal/truncate": { body: { threads: true, runs: true, store: true, checkpointer: true } },
  // The protocol parses its own envelopes: listCheckpoints takes a limit and a
  // checkpoint id down to persistence, so its params are the ones worth mutating.
  "POST /threads/:thread_id/commands": {
    body: { id: 1, method: "state.listCheckpoints", params: { limit: 5, before: "{checkpoint}" } },
    bodyFields: ["id", "method", "params"],
  },
  "POST /threads/:thread_id/stream/events": {
    body: { channels: ["values", "lifecycle"], since: 0 },
    bodyFields: ["channels", "namespaces", "depth", "since"],
    untilHeaders: true,
  },
  // The WebSocket route answers a plain GET (no upgrade) with a 4xx; the socket itself is tested in test/server/protocol.
  "GET /threads/:thread_id/stream/events": {},
  "GET /openapi.json": {},
  "GET /docs": {},
  "GET /docs/json": {},
  "GET /docs/yaml": {},
  "GET /docs/static/index.html": {},
  "GET /docs/static/swagger-initializer.js": {},
  "GET /docs/static/*": { path: "/docs/static/index.css" },
};

// Crons and TTL (issue #17), and the API description (#14). A block of its
// own so samples other branches add to the literal above merge without conflict.
// The seeded cron's schedule ("0 0 1 1 *") is never due during a sweep.
Object.assign(SAMPLES, {
  "POST /runs/crons": { body: { assistant_id: "simple", schedule: "0 0 1 1 *", input: {}, metadata: { k: "v" }, on_run_completed: "keep" } },
  "POST /threads/:thread_id/runs/crons": {
    body: { assistant_id: "simple", schedule: "0 0 1 1 *", timezone: "Europe/Paris", input: {}, metadata: { k: "v" } },
  },
  "PATCH /runs/crons/:cron_id": { body: { schedule: "0 0 2 1 *", enabled: false, metadata: { k: "w" } } },
  "GET /runs/crons/:cron_id": {},
  "DELETE /runs/crons/:cron_id": {},
  "POST /runs/crons/search": {
    body: { assistant_id: "simple", metadata: { k: "v" }, limit: 5, offset: 0, sort_by: "created_at", sort_order: "desc" },
  },
  "POST /runs/crons/count": { body: { assistant_id: "simple", metadata: { k: "v" } } },
  "GET /runs/crons/:cron_id/firings": { query: "limit=5" },
  "POST /runs/crons/preview": { body: { schedule: "*/15 * * * *", timezone: "UTC", count: 5 } },
  "POST /threads/prune": { body: { thread_ids: ["{thread}"], strategy: "keep_latest" } },
  "GET /threads/:thread_id/ttl": {},
  "GET /openapi.json": {},
  "GET /docs": {},
  "GET /docs/json": {},
  "GET /docs/yaml": {},
  "GET /docs/static/index.html": {},
  "GET /docs/static/swagger-initializer.js": {},
  "GET /docs/static/*": { path: "/docs/static/swagger-ui.css" },
} satisfies typeof SAMPLES);

const deep = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

/** Values no field expects: NUL, numbers beyond bigint, huge strings, wrong types, patterns. */
export const HOSTILE_VALUES: Array<[string, unknown]> = [
  ["null", null],
  ["an empty string", ""],
  ["a NUL", "\u0000"],
  ["a NUL inside", ["a\u0000b"]],
  ["1e308", 1e308],
  ["2^63", 2 ** 63],
  ["-1", -1],
  ["1.5", 1.5],
  ["true", true],
  ["an empty list", []],
  ["an object of wildcards", { "%": "_", "\u0000k": 1 }],
  ["LIKE wildcards", ["%", "_"]],
  ["10 000 characters", "x".repeat(10_000)],
  ["1 000 labels", Array.from({ length: 1000 }, (_, i) => `l${i}`)],
  ["a lone surrogate", "\ud800"],
  ["SQL", "' OR 1=1; DROP TABLE app_threads; --"],
  ["nesting 150 deep", deep(150)],
];

/** Inside objects and lists: the values most likely to reach a query parameter. */
const NESTED_VALUES = HOSTILE_VALUES.filter(([what]) =>
  ["null", "a NUL", "1e308", "2^63", "an empty string", "10 000 characters", "LIKE wildcards", "an object of wildcards", "a lone surrogate"].includes(
    what,
  ),
);

const PATH_VALUES: Array<[string, string]> = [
  ["%00", "%00"],
  ["a%00b", "a%00b"],
  ["not-a-uuid", "not-a-uuid"],
  ["an unknown uuid", UNKNOWN_ID],
  ["200 characters", "x".repeat(200)],
  ["bad percent-encoding", "%E0%A4%A"],
  ["an emoji", "%F0%9F%98%80"],
  ["a traversal", "..%2F..%2Fetc%2Fpasswd"],
  ["1e308", "1e308"],
  ["LIKE wildcards", "%25_"],
];

const QUERY_VALUES: Array<[string, string]> = [
  ["%00", "%00"],
  ["-1", "-1"],
  ["1e308", "1e308"],
  ["20 digits", "99999999999999999999"],
  ["2^63", "9223372036854775808"],
  ["abc", "abc"],
  ["empty", ""],
  ["LIKE wildcards", "%25_"],
];

const LAST_EVENT_IDS = ["1e308", "-99999999999999999999", "9007199254740993", "9007199254740991", "2147483648", "abc", "-2", "1.5"];

const routeKey = (r: Pick<RouteInfo, "method" | "url">) => `${r.method} ${r.url}`;

function samplePath(route: RouteInfo): string {
  const sample = SAMPLES[routeKey(route)];
  if (sample?.path) return sample.path;
  return route.url
    .replace(":thread_id", "{thread}")
    .replace(":assistant_id", "{assistant}")
    .replace(":run_id", "{run}")
    .replace(":checkpoint_id", "{checkpoint}")
    .replace(":cron_id", "{cron}");
}

export function missingSamples(routes: RouteInfo[]): string[] {
  return routes.map(routeKey).filter((key) => !(key in SAMPLES));
}

/** Every case for one route: the valid request first, then one hostile change at a time. */
export function casesFor(route: RouteInfo): SweepCase[] {
  const key = routeKey(route);
  const sample = SAMPLES[key] ?? {};
  const base: RawRequest = {
    method: route.method,
    path: samplePath(route) + (sample.query ? `?${sample.query}` : ""),
    body: sample.body,
    headers: sample.headers,
    untilHeaders: sample.untilHeaders,
  };
  const bodyFields = route.bodyFields.length ? route.bodyFields : (sample.bodyFields ?? []);
  const out: SweepCase[] = [{ route: key, name: "the valid sample", ...base }];
  const add = (name: string, req: RawRequest) => out.push({ route: key, name, ...req });

  // Path parameters: each placeholder segment replaced in turn.
  const segments = samplePath(route).split("/");
  segments.forEach((segment, i) => {
    if (!/^\{.+\}$/.test(segment) && !route.url.split("/")[i]?.startsWith(":")) return;
    for (const [what, value] of PATH_VALUES) {
      const path = segments.map((s, j) => (j === i ? value : s)).join("/");
      add(`path ${route.url.split("/")[i]} = ${what}`, { ...base, path: path + (sample.query ? `?${sample.query}` : "") });
    }
  });

  // Query parameters the route declares (and one it does not).
  const pathOnly = samplePath(route);
  for (const field of [...route.queryFields, "limit"].filter((f, i, all) => all.indexOf(f) === i)) {
    for (const [what, value] of QUERY_VALUES) {
      const params = new URLSearchParams(sample.query ?? "");
      params.delete(field);
      const query = [params.toString(), `${field}=${value}`].filter(Boolean).join("&");
      add(`query ${field} = ${what}`, { ...base, path: `${pathOnly}?${query}` });
    }
  }

  // Body fields the route declares: each replaced in turn (in the first item of a batch).
  if (bodyFields.length) {
    const sampleBody = (route.bodyIsArray ? (sample.body as unknown[])[0] : sample.body) as Record<string, unknown> | undefined;
    for (const field of bodyFields) {
      for (const [what, value] of HOSTILE_VALUES) {
        const item = { ...(sampleBody ?? {}), [field]: value };
        add(`body ${field} = ${what}`, { ...base, body: route.bodyIsArray ? [item] : item });
      }
    }
    // One level down: each key of an object field of the sample, each item of a list field.
    for (const [field, sampleValue] of Object.entries(sampleBody ?? {})) {
      const inner: Array<[string, (v: unknown) => unknown]> =
        Array.isArray(sampleValue) && sampleValue.length > 0
          ? [[`${field}[0]`, (v) => [v, ...sampleValue.slice(1)]]]
          : sampleValue !== null && typeof sampleValue === "object"
            ? Object.keys(sampleValue).map((k) => [`${field}.${k}`, (v: unknown) => ({ ...(sampleValue as object), [k]: v })])
            : [];
      for (const [where, place] of inner) {
        for (const [what, value] of NESTED_VALUES) {
          const item = { ...sampleBody, [field]: place(value) };
          add(`body ${where} = ${what}`, { ...base, body: route.bodyIsArray ? [item] : item });
        }
      }
    }
    add("a body of NUL JSON", { ...base, body: undefined, raw: '"\\u0000"' });
  }

  // Resume headers on the routes that stream an existing run.
  if (key.endsWith("/stream") && route.method === "GET") {
    for (const id of LAST_EVENT_IDS) add(`Last-Event-ID ${id}`, { ...base, headers: { "last-event-id": id } });
  }
  return out;
}
