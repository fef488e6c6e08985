// Hostile and malformed requests on every route: each gets a 4xx whose text
// names the problem, never a 5xx; the server stays up and nothing changes.
// Runs on the memory backend and on PostgreSQL (a fresh database).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Backend, type TestServer } from "../helpers/server.ts";
import { isUp, send, snapshot, type DataSnapshot, type RawRequest } from "./support.ts";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
/** Placeholders replaced with the ids of real rows once the server is up. */
const T = "{thread}";
const A = "{assistant}";
const R = "{run}";

type Expected = number | "4xx";

interface BadCase extends RawRequest {
  name: string;
  status: Expected;
  message: RegExp;
}

const cases: BadCase[] = [];
const add = (name: string, req: RawRequest, status: Expected, message: RegExp) => cases.push({ name, ...req, status, message });

// ---------------------------------------------------------------------------
// Ids in the path: not UUIDs (each thread/run route), unknown UUIDs.
const BAD_IDS = ["not-a-uuid", "1'%20OR%20'1'%3D'1", "%2E%2E%2F%2E%2E%2Fetc", "12345", `${UNKNOWN}x`, "%00"];
const threadRoutes: Array<[string, string, unknown?]> = [
  ["GET", "/threads/{id}"],
  ["PATCH", "/threads/{id}", { metadata: {} }],
  ["DELETE", "/threads/{id}"],
  ["POST", "/threads/{id}/copy"],
  ["GET", "/threads/{id}/state"],
  ["POST", "/threads/{id}/state", { values: {} }],
  ["POST", "/threads/{id}/state/checkpoint", { checkpoint: {} }],
  ["GET", "/threads/{id}/history"],
  ["POST", "/threads/{id}/history", {}],
  ["POST", "/threads/{id}/runs", { assistant_id: "simple" }],
  ["POST", "/threads/{id}/runs/stream", { assistant_id: "simple" }],
  ["POST", "/threads/{id}/runs/wait", { assistant_id: "simple" }],
  ["GET", "/threads/{id}/runs"],
  ["GET", "/threads/{id}/stream"],
];
for (const [method, path, body] of threadRoutes) {
  for (const id of BAD_IDS.slice(0, 3)) {
    add(`${method} ${path} with thread id ${id}`, { method, path: path.replace("{id}", id), body }, 422, /thread_id/);
  }
  add(
    `${method} ${path} with an unknown thread`,
    { method, path: path.replace("{id}", UNKNOWN), body },
    404,
    new RegExp(`Thread with ID ${UNKNOWN} not found`),
  );
}
const runRoutes: Array<[string, string]> = [
  ["GET", "/threads/{thread}/runs/{id}"],
  ["DELETE", "/threads/{thread}/runs/{id}"],
  ["GET", "/threads/{thread}/runs/{id}/join"],
  ["GET", "/threads/{thread}/runs/{id}/stream"],
  ["POST", "/threads/{thread}/runs/{id}/cancel"],
];
for (const [method, path] of runRoutes) {
  for (const id of BAD_IDS) add(`${method} ${path} with run id ${id}`, { method, path: path.replace("{id}", id) }, 422, /run_id/);
}
add("GET /runs/:run_id/stream with a non-uuid run id", { method: "GET", path: "/runs/not-a-uuid/stream" }, 422, /run_id/);
add("GET unknown run", { method: "GET", path: `/threads/${T}/runs/${UNKNOWN}` }, 404, /Run not found/);
add("DELETE unknown run", { method: "DELETE", path: `/threads/${T}/runs/${UNKNOWN}` }, 404, /Run not found/);
add("join unknown run", { method: "GET", path: `/threads/${T}/runs/${UNKNOWN}/join` }, 404, /Run not found/);
add("cancel unknown run", { method: "POST", path: `/threads/${T}/runs/${UNKNOWN}/cancel` }, 404, /Run not found/);
add("run of another thread", { method: "GET", path: `/threads/${UNKNOWN}/runs/${R}` }, 404, /not found/);
add("GET state at a non-uuid checkpoint", { method: "GET", path: `/threads/${T}/state/not-a-checkpoint` }, 422, /checkpoint_id/);
add("GET assistant unknown", { method: "GET", path: `/assistants/${UNKNOWN}` }, 404, /Assistant not found/);
add("GET assistant by unknown name", { method: "GET", path: "/assistants/no-such-graph" }, 404, /Assistant not found/);
add("PATCH assistant unknown", { method: "PATCH", path: `/assistants/${UNKNOWN}`, body: { name: "x" } }, 404, /Assistant not found/);
add("DELETE assistant unknown", { method: "DELETE", path: `/assistants/${UNKNOWN}` }, 404, /Assistant not found/);
add("assistant graph unknown", { method: "GET", path: `/assistants/${UNKNOWN}/graph` }, 404, /Assistant not found/);
add("assistant schemas unknown", { method: "GET", path: `/assistants/${UNKNOWN}/schemas` }, 404, /Assistant not found/);
add("assistant subgraphs unknown", { method: "GET", path: `/assistants/${UNKNOWN}/subgraphs` }, 404, /Assistant not found/);
add("assistant subgraphs/ns unknown", { method: "GET", path: `/assistants/${UNKNOWN}/subgraphs/x` }, 404, /Assistant not found/);
add("assistant versions unknown", { method: "POST", path: `/assistants/${UNKNOWN}/versions`, body: {} }, 404, /not found/);
add("assistant latest unknown", { method: "POST", path: `/assistants/${UNKNOWN}/latest`, body: { version: 1 } }, 404, /Assistant not found/);
add(
  "assistant latest unknown version",
  { method: "POST", path: `/assistants/${A}/latest`, body: { version: 999 } },
  404,
  /Assistant version not found/,
);
add("copy unknown thread", { method: "POST", path: `/threads/${UNKNOWN}/copy` }, 404, /not found/);
add("unknown route", { method: "GET", path: "/nope" }, 404, /Not found: GET \/nope/);
add("unknown method on a route", { method: "PUT", path: "/threads" }, 404, /Not found/);
add("unknown internal route", { method: "POST", path: "/internal/drop-everything", body: {} }, 404, /Not found/);

// ---------------------------------------------------------------------------
// Bodies: invalid JSON, wrong content types, wrong top-level types.
const bodyRoutes: Array<[string, string]> = [
  ["POST", "/assistants"],
  ["POST", "/assistants/search"],
  ["POST", "/assistants/count"],
  ["PATCH", `/assistants/${A}`],
  ["POST", `/assistants/${A}/versions`],
  ["POST", `/assistants/${A}/latest`],
  ["POST", "/threads"],
  ["POST", "/threads/search"],
  ["POST", "/threads/count"],
  ["PATCH", `/threads/${T}`],
  ["POST", `/threads/${T}/state`],
  ["POST", `/threads/${T}/state/checkpoint`],
  ["POST", `/threads/${T}/history`],
  ["POST", `/threads/${T}/runs`],
  ["POST", `/threads/${T}/runs/stream`],
  ["POST", `/threads/${T}/runs/wait`],
  ["POST", "/runs"],
  ["POST", "/runs/stream"],
  ["POST", "/runs/wait"],
  ["POST", "/runs/batch"],
  ["POST", "/runs/cancel"],
  ["PUT", "/store/items"],
  ["DELETE", "/store/items"],
  ["POST", "/store/items/search"],
  ["POST", "/store/namespaces"],
  ["POST", "/internal/truncate"],
];
const INVALID_JSON = ['{"metadata": {', "{'single': 'quotes'}", '{"a":1,}', "NaN", "\u0000"];
for (const [method, path] of bodyRoutes) {
  for (const raw of INVALID_JSON.slice(0, 2))
    add(`${method} ${path} with invalid JSON ${JSON.stringify(raw)}`, { method, path, raw }, 400, /Invalid JSON body/);
  add(
    `${method} ${path} as application/xml`,
    { method, path, raw: "<a/>", headers: { "content-type": "application/xml" } },
    415,
    /Unsupported content type "application\/xml"/,
  );
  add(
    `${method} ${path} as form data`,
    { method, path, raw: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } },
    415,
    /Unsupported content type/,
  );
  const wrongTop = path === "/runs/batch" ? { assistant_id: "simple" } : [1, 2];
  add(`${method} ${path} with a body of the wrong type`, { method, path, body: wrongTop }, 422, /Invalid body: .*must be (object|array)/);
  add(`${method} ${path} with a string body`, { method, path, body: "text" }, 422, /Invalid body: .*must be (object|array)/);
}
for (const raw of INVALID_JSON.slice(2))
  add(`POST /threads with invalid JSON ${JSON.stringify(raw)}`, { method: "POST", path: "/threads", raw }, 400, /Invalid JSON body/);

// ---------------------------------------------------------------------------
// Run creation: each bad field on each of the six create routes.
const runCreateRoutes = [`/threads/${T}/runs`, `/threads/${T}/runs/stream`, `/threads/${T}/runs/wait`, "/runs", "/runs/stream", "/runs/wait"];
const badRunFields: Array<[string, Record<string, unknown>, RegExp]> = [
  ["missing assistant_id", { input: {} }, /assistant_id/],
  ["assistant_id a number", { assistant_id: 5 }, /assistant_id/],
  ["empty assistant_id", { assistant_id: "" }, /assistant_id/],
  ["checkpoint_id not a uuid", { assistant_id: "simple", checkpoint_id: "x'; DROP TABLE checkpoints; --" }, /checkpoint_id/],
  ["command a string", { assistant_id: "simple", command: "resume" }, /command/],
  ["metadata an array", { assistant_id: "simple", metadata: ["a"] }, /metadata/],
  ["context a string", { assistant_id: "simple", context: "ctx" }, /context/],
  ["config.tags a string", { assistant_id: "simple", config: { tags: "a" } }, /tags/],
  ["recursion_limit 0", { assistant_id: "simple", config: { recursion_limit: 0 } }, /recursion_limit/],
  ["recursion_limit huge float", { assistant_id: "simple", config: { recursion_limit: 1e308 * 10 } }, /recursion_limit|Invalid JSON/],
  ["interrupt_before a number", { assistant_id: "simple", interrupt_before: 5 }, /interrupt_before/],
  ["on_disconnect unknown", { assistant_id: "simple", on_disconnect: "explode" }, /on_disconnect/],
  ["multitask_strategy SQL", { assistant_id: "simple", multitask_strategy: "reject'; --" }, /multitask_strategy/],
  ["stream_mode unknown", { assistant_id: "simple", stream_mode: ["values", "secrets"] }, /stream_mode/],
  ["stream_subgraphs a string", { assistant_id: "simple", stream_subgraphs: "yes" }, /stream_subgraphs/],
  ["after_seconds negative", { assistant_id: "simple", after_seconds: -5 }, /after_seconds/],
  ["webhook empty", { assistant_id: "simple", webhook: "" }, /webhook/],
  ["if_not_exists unknown", { assistant_id: "simple", if_not_exists: "maybe" }, /if_not_exists/],
  ["on_completion unknown", { assistant_id: "simple", on_completion: "forget" }, /on_completion/],
  ["feedback_keys a number", { assistant_id: "simple", feedback_keys: 7 }, /feedback_keys/],
  ["unknown assistant", { assistant_id: "no-such-assistant" }, /No assistant found for "no-such-assistant"/],
];
for (const path of runCreateRoutes) {
  for (const [name, body, message] of badRunFields) {
    const status = name === "unknown assistant" ? 404 : 422;
    add(`POST ${path}: ${name}`, { method: "POST", path, body }, status, message);
  }
}
add("batch: empty", { method: "POST", path: "/runs/batch", body: [] }, 422, /fewer than 1 items|minItems|must NOT have fewer/);
add("batch: an item without assistant_id", { method: "POST", path: "/runs/batch", body: [{ input: {} }] }, 422, /assistant_id/);
add("batch: an item of the wrong type", { method: "POST", path: "/runs/batch", body: [1] }, 422, /must be object/);
add(
  "batch: too many items",
  { method: "POST", path: "/runs/batch", body: Array.from({ length: 1001 }, () => ({ assistant_id: "simple" })) },
  422,
  /more than 1000 items|must NOT have more/,
);
add("batch: an unknown assistant", { method: "POST", path: "/runs/batch", body: [{ assistant_id: "nope" }] }, 404, /No assistant found for "nope"/);
add(
  "batch: a valid item then an invalid one",
  { method: "POST", path: "/runs/batch", body: [{ assistant_id: "simple" }, { assistant_id: "simple", on_disconnect: 1 }] },
  422,
  /on_disconnect/,
);

// Cancel.
add("cancel: unknown action", { method: "POST", path: `/threads/${T}/runs/${R}/cancel?action=explode` }, 422, /action/);
add("runs/cancel: run_ids not uuids", { method: "POST", path: "/runs/cancel", body: { run_ids: ["x"] } }, 422, /run_ids/);
add("runs/cancel: thread_id not a uuid", { method: "POST", path: "/runs/cancel", body: { thread_id: "1 OR 1=1" } }, 422, /thread_id/);
add("runs/cancel: status unknown", { method: "POST", path: "/runs/cancel", body: { thread_id: UNKNOWN, status: "everything" } }, 422, /status/);
add("runs/cancel: unknown run ids", { method: "POST", path: "/runs/cancel", body: { run_ids: [UNKNOWN] } }, 404, /Run not found/);
add("runs/cancel: bad action", { method: "POST", path: "/runs/cancel?action=drop", body: { run_ids: [UNKNOWN] } }, 422, /action/);
add("list runs: negative limit", { method: "GET", path: `/threads/${T}/runs?limit=-1` }, 422, /limit/);
add("list runs: limit not a number", { method: "GET", path: `/threads/${T}/runs?limit=ten` }, 422, /limit/);
add("list runs: negative offset", { method: "GET", path: `/threads/${T}/runs?offset=-3` }, 422, /offset/);
add("list runs: unknown status", { method: "GET", path: `/threads/${T}/runs?status=deleted` }, 422, /status/);

// ---------------------------------------------------------------------------
// Assistants.
add("create assistant: no graph_id", { method: "POST", path: "/assistants", body: { name: "x" } }, 422, /graph_id/);
add("create assistant: graph_id a number", { method: "POST", path: "/assistants", body: { graph_id: 1 } }, 422, /graph_id/);
add("create assistant: unknown graph", { method: "POST", path: "/assistants", body: { graph_id: "no_such_graph" } }, "4xx", /no_such_graph/);
add(
  "create assistant: assistant_id not a uuid",
  { method: "POST", path: "/assistants", body: { graph_id: "simple", assistant_id: "abc" } },
  422,
  /assistant_id/,
);
add("create assistant: existing id", { method: "POST", path: "/assistants", body: { graph_id: "simple", assistant_id: A } }, 409, /already exists/);
add(
  "create assistant: bad if_exists",
  { method: "POST", path: "/assistants", body: { graph_id: "simple", if_exists: "overwrite" } },
  422,
  /if_exists/,
);
add("create assistant: name a number", { method: "POST", path: "/assistants", body: { graph_id: "simple", name: 5 } }, 422, /name/);
add("create assistant: metadata a string", { method: "POST", path: "/assistants", body: { graph_id: "simple", metadata: "m" } }, 422, /metadata/);
add(
  "create assistant: config.configurable a list",
  { method: "POST", path: "/assistants", body: { graph_id: "simple", config: { configurable: [] } } },
  422,
  /configurable/,
);
add("patch assistant: metadata null", { method: "PATCH", path: `/assistants/${A}`, body: { metadata: null } }, 422, /metadata/);
add("patch assistant: config a string", { method: "PATCH", path: `/assistants/${A}`, body: { config: "c" } }, 422, /config/);
add("patch assistant: unknown graph", { method: "PATCH", path: `/assistants/${A}`, body: { graph_id: "no_such_graph" } }, "4xx", /no_such_graph/);
add("latest: version 0", { method: "POST", path: `/assistants/${A}/latest`, body: { version: 0 } }, 422, /version/);
add("latest: no version", { method: "POST", path: `/assistants/${A}/latest`, body: {} }, 422, /version/);
add("versions: limit 0", { method: "POST", path: `/assistants/${A}/versions`, body: { limit: 0 } }, 422, /limit/);
add("versions: metadata a number", { method: "POST", path: `/assistants/${A}/versions`, body: { metadata: 1 } }, 422, /metadata/);
for (const path of ["/assistants/search", "/threads/search"]) {
  add(`${path}: limit 0`, { method: "POST", path, body: { limit: 0 } }, 422, /limit/);
  add(`${path}: negative limit`, { method: "POST", path, body: { limit: -10 } }, 422, /limit/);
  add(`${path}: huge limit`, { method: "POST", path, body: { limit: 2 ** 53 } }, 422, /limit/);
  add(`${path}: fractional limit`, { method: "POST", path, body: { limit: 1.5 } }, 422, /limit/);
  add(`${path}: limit as a string`, { method: "POST", path, body: { limit: "10" } }, 422, /limit/);
  add(`${path}: negative offset`, { method: "POST", path, body: { offset: -1 } }, 422, /offset/);
  add(`${path}: SQL in sort_by`, { method: "POST", path, body: { sort_by: "created_at; DROP TABLE app_threads; --" } }, 422, /sort_by/);
  add(`${path}: SQL in sort_order`, { method: "POST", path, body: { sort_order: "desc, (SELECT pg_sleep(10))" } }, 422, /sort_order/);
  add(`${path}: metadata filter a string`, { method: "POST", path, body: { metadata: "' OR 1=1 --" } }, 422, /metadata/);
  add(`${path}: select not a list`, { method: "POST", path, body: { select: "*" } }, 422, /select/);
}
add("/threads/search: ids not uuids", { method: "POST", path: "/threads/search", body: { ids: ["1) OR (1=1"] } }, 422, /ids/);
add("/threads/search: unknown status", { method: "POST", path: "/threads/search", body: { status: "all'--" } }, 422, /status/);
add("/threads/search: values a list", { method: "POST", path: "/threads/search", body: { values: [1] } }, 422, /values/);
add("/threads/count: unknown status", { method: "POST", path: "/threads/count", body: { status: "gone" } }, 422, /status/);
add("/assistants/count: graph_id a number", { method: "POST", path: "/assistants/count", body: { graph_id: 3 } }, 422, /graph_id/);

// ---------------------------------------------------------------------------
// Threads, state and history.
add("create thread: thread_id not a uuid", { method: "POST", path: "/threads", body: { thread_id: "../../etc/passwd" } }, 422, /thread_id/);
add("create thread: existing id", { method: "POST", path: "/threads", body: { thread_id: T } }, 409, /already exists/i);
add("create thread: bad if_exists", { method: "POST", path: "/threads", body: { if_exists: "replace" } }, 422, /if_exists/);
add("create thread: metadata a list", { method: "POST", path: "/threads", body: { metadata: [] } }, 422, /metadata/);
add("create thread: supersteps not a list", { method: "POST", path: "/threads", body: { supersteps: {} } }, 422, /supersteps/);
add("create thread: superstep without updates", { method: "POST", path: "/threads", body: { supersteps: [{}] } }, 422, /updates/);
add(
  "create thread: update without as_node",
  { method: "POST", path: "/threads", body: { supersteps: [{ updates: [{ values: {} }] }] } },
  422,
  /as_node/,
);
add("patch thread: metadata a number", { method: "PATCH", path: `/threads/${T}`, body: { metadata: 1 } }, 422, /metadata/);
add("update state: values a string", { method: "POST", path: `/threads/${T}/state`, body: { values: "v" } }, 422, /values/);
add("update state: as_node a number", { method: "POST", path: `/threads/${T}/state`, body: { values: {}, as_node: 1 } }, 422, /as_node/);
add(
  "update state: unknown node",
  { method: "POST", path: `/threads/${T}/state`, body: { values: { count: 1 }, as_node: "no_such_node" } },
  "4xx",
  /no_such_node/,
);
add(
  "update state: checkpoint_id not a uuid",
  { method: "POST", path: `/threads/${T}/state`, body: { values: {}, checkpoint_id: "1" } },
  422,
  /checkpoint_id/,
);
add("update state: unknown thread", { method: "POST", path: `/threads/${UNKNOWN}/state`, body: { values: {} } }, 404, /Thread with ID/);
add("state/checkpoint: no checkpoint", { method: "POST", path: `/threads/${T}/state/checkpoint`, body: {} }, 422, /checkpoint/);
add(
  "state/checkpoint: checkpoint_id a number",
  { method: "POST", path: `/threads/${T}/state/checkpoint`, body: { checkpoint: { checkpoint_id: 5 } } },
  422,
  /checkpoint_id/,
);
add(
  "state/checkpoint: subgraphs a string",
  { method: "POST", path: `/threads/${T}/state/checkpoint`, body: { checkpoint: {}, subgraphs: "yes" } },
  422,
  /subgraphs/,
);
add("history: limit 0", { method: "POST", path: `/threads/${T}/history`, body: { limit: 0 } }, 422, /limit/);
add("history: limit huge", { method: "POST", path: `/threads/${T}/history`, body: { limit: 1e12 } }, 422, /limit/);
add("history: before a number", { method: "POST", path: `/threads/${T}/history`, body: { before: 5 } }, 422, /before/);
add("history: metadata a string", { method: "POST", path: `/threads/${T}/history`, body: { metadata: "m" } }, 422, /metadata/);
add(
  "history: checkpoint_ns a number",
  { method: "POST", path: `/threads/${T}/history`, body: { checkpoint: { checkpoint_ns: 1 } } },
  422,
  /checkpoint_ns/,
);
add("GET history: negative limit", { method: "GET", path: `/threads/${T}/history?limit=-1` }, 400, /limit/);
add("GET history: limit not a number", { method: "GET", path: `/threads/${T}/history?limit=abc` }, 400, /limit/);
add("GET history: limit huge", { method: "GET", path: `/threads/${T}/history?limit=99999999999999999999` }, 400, /limit/);

// ---------------------------------------------------------------------------
// Store.
add("put item: no key", { method: "PUT", path: "/store/items", body: { namespace: ["a"], value: {} } }, 422, /key/);
add("put item: empty key", { method: "PUT", path: "/store/items", body: { namespace: ["a"], key: "", value: {} } }, 422, /key/);
add("put item: no namespace", { method: "PUT", path: "/store/items", body: { key: "k", value: {} } }, 422, /namespace/);
add("put item: empty namespace", { method: "PUT", path: "/store/items", body: { namespace: [], key: "k", value: {} } }, 400, /Namespace is required/);
add("put item: namespace a string", { method: "PUT", path: "/store/items", body: { namespace: "a.b", key: "k", value: {} } }, 422, /namespace/);
add(
  "put item: namespace label with a period",
  { method: "PUT", path: "/store/items", body: { namespace: ["a.b"], key: "k", value: {} } },
  422,
  /Namespace labels cannot be empty or contain periods/,
);
add(
  "put item: empty namespace label",
  { method: "PUT", path: "/store/items", body: { namespace: ["a", ""], key: "k", value: {} } },
  422,
  /Namespace labels cannot be empty/,
);
add("put item: value a string", { method: "PUT", path: "/store/items", body: { namespace: ["a"], key: "k", value: "v" } }, 422, /value/);
add("put item: value a list", { method: "PUT", path: "/store/items", body: { namespace: ["a"], key: "k", value: [1] } }, 422, /value/);
add("put item: value null", { method: "PUT", path: "/store/items", body: { namespace: ["a"], key: "k", value: null } }, 422, /value/);
add("put item: no value", { method: "PUT", path: "/store/items", body: { namespace: ["a"], key: "k" } }, 422, /value/);
add("get item: no key", { method: "GET", path: "/store/items?namespace=a" }, 422, /key/);
add("get item: no namespace", { method: "GET", path: "/store/items?key=k" }, 400, /Namespace is required/);
add("get item: empty namespace label", { method: "GET", path: "/store/items?namespace=a..b&key=k" }, 422, /Namespace labels/);
add("delete item: no key", { method: "DELETE", path: "/store/items", body: { namespace: ["a"] } }, 422, /key/);
add("delete item: no namespace", { method: "DELETE", path: "/store/items", body: { key: "k" } }, 400, /Namespace is required/);
add("search items: limit 0", { method: "POST", path: "/store/items/search", body: { limit: 0 } }, 422, /limit/);
add("search items: limit huge", { method: "POST", path: "/store/items/search", body: { limit: 1_000_000 } }, 422, /limit/);
add("search items: negative offset", { method: "POST", path: "/store/items/search", body: { offset: -1 } }, 422, /offset/);
add("search items: filter a string", { method: "POST", path: "/store/items/search", body: { filter: "1=1" } }, 422, /filter/);
add("search items: prefix not strings", { method: "POST", path: "/store/items/search", body: { namespace_prefix: [1] } }, 422, /namespace_prefix/);
add("search items: query a number", { method: "POST", path: "/store/items/search", body: { query: 1 } }, 422, /query/);
add("namespaces: max_depth 0", { method: "POST", path: "/store/namespaces", body: { max_depth: 0 } }, 422, /max_depth/);
add("namespaces: negative limit", { method: "POST", path: "/store/namespaces", body: { limit: -1 } }, 422, /limit/);
add("namespaces: prefix a string", { method: "POST", path: "/store/namespaces", body: { prefix: "a" } }, 422, /prefix/);

// Internal.
add("truncate: flag a string", { method: "POST", path: "/internal/truncate", body: { runs: "yes" } }, 422, /runs/);
add("truncate: flag a number", { method: "POST", path: "/internal/truncate", body: { threads: 1 } }, 422, /threads/);

// ---------------------------------------------------------------------------
// NUL characters and lone surrogates: PostgreSQL's jsonb cannot store \u0000,
// so both backends refuse them with a 4xx naming the problem.
const NUL_BODIES: Array<[string, string, string, unknown]> = [
  ["NUL in thread metadata value", "POST", "/threads", { metadata: { note: "a\u0000b" } }],
  ["NUL in thread metadata key", "POST", "/threads", { metadata: { "k\u0000": 1 } }],
  ["NUL in thread patch", "PATCH", `/threads/${T}`, { metadata: { note: "\u0000" } }],
  ["NUL in assistant metadata", "POST", "/assistants", { graph_id: "simple", metadata: { x: "\u0000" } }],
  ["NUL in assistant name", "POST", "/assistants", { graph_id: "simple", name: "n\u0000" }],
  ["NUL in store value", "PUT", "/store/items", { namespace: ["nul"], key: "k", value: { v: "\u0000" } }],
  ["NUL in store key", "PUT", "/store/items", { namespace: ["nul"], key: "k\u0000", value: {} }],
  ["NUL in store namespace", "PUT", "/store/items", { namespace: ["n\u0000ul"], key: "k", value: {} }],
  ["NUL in run metadata", "POST", `/threads/${T}/runs/wait`, { assistant_id: "simple", metadata: { a: "\u0000" }, input: {} }],
  ["NUL in assistant config", "POST", "/assistants", { graph_id: "simple", config: { configurable: { k: "\u0000" } } }],
];
for (const [name, method, path, body] of NUL_BODIES) add(name, { method, path, body }, "4xx", /NUL|\\u0000|null character/i);

// Lone UTF-16 surrogates: valid JSON text, but not Unicode; PostgreSQL's
// jsonb refuses them, so both backends should (4xx naming the problem).
const SURROGATE_BODIES: Array<[string, string, string, unknown]> = [
  ["lone high surrogate in thread metadata", "POST", "/threads", { metadata: { s: "\ud800" } }],
  ["lone low surrogate as a metadata key", "POST", "/threads", { metadata: { "\udc00": 1 } }],
  ["lone surrogate in assistant name", "POST", "/assistants", { graph_id: "simple", name: "a\udfff" }],
  ["lone surrogate in a store key", "PUT", "/store/items", { namespace: ["sur"], key: "\ud800", value: {} }],
  ["lone surrogate in a store value", "PUT", "/store/items", { namespace: ["sur"], key: "k", value: { v: "\udfff" } }],
  ["lone surrogate in run input", "POST", `/threads/${T}/runs/wait`, { assistant_id: "simple", input: { messages: ["\ud800"] } }],
];
for (const [name, method, path, body] of SURROGATE_BODIES) add(name, { method, path, body }, "4xx", /surrogate|unicode|UTF/i);

// Numbers past what a date can hold.
for (const path of runCreateRoutes) {
  add(`POST ${path}: after_seconds 1e308`, { method: "POST", path, body: { assistant_id: "simple", after_seconds: 1e308 } }, 422, /after_seconds/);
}
// A batch is all or nothing: a bad item must not leave the good ones created.
add(
  "batch: a valid item then an unknown assistant",
  { method: "POST", path: "/runs/batch", body: [{ assistant_id: "simple", on_completion: "keep" }, { assistant_id: "nope" }] },
  404,
  /No assistant found for "nope"/,
);

// Deeply nested JSON: refused with a 4xx (not a stack overflow and a 500).
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
for (const [method, path, wrap] of [
  ["POST", "/threads", (inner: string) => `{"metadata":${inner}}`],
  ["POST", "/assistants", (inner: string) => `{"graph_id":"simple","metadata":${inner}}`],
  ["PUT", "/store/items", (inner: string) => `{"namespace":["deep"],"key":"k","value":${inner}}`],
  ["POST", `/threads/${T}/runs/wait`, (inner: string) => `{"assistant_id":"simple","input":${inner}}`],
  ["POST", "/threads/search", (inner: string) => `{"metadata":${inner}}`],
] as Array<[string, string, (inner: string) => string]>) {
  add(`${method} ${path} with JSON nested 100 000 deep`, { method, path, raw: wrap(nested(100_000)) }, "4xx", /nest|deep|depth/i);
}

// ---------------------------------------------------------------------------

function resolvePath(path: string, ids: { thread: string; assistant: string; run: string }): string {
  return path.replaceAll(T, ids.thread).replaceAll(A, ids.assistant).replaceAll(R, ids.run);
}
function resolveBody(body: unknown, ids: { thread: string; assistant: string; run: string }): unknown {
  if (body === undefined) return undefined;
  return JSON.parse(resolvePath(JSON.stringify(body), ids)) as unknown;
}

function statusMatches(status: number, expected: Expected): boolean {
  return expected === "4xx" ? status >= 400 && status < 500 : status === expected;
}

describe.each<Backend>(["memory", "postgres"])("bad input (%s)", (backend) => {
  let server: TestServer;
  let ids: { thread: string; assistant: string; run: string };

  beforeAll(async () => {
    server = await startTestServer(backend);
    const thread = await server.client.threads.create({ metadata: { owner: "hardening" } });
    const assistant = await server.client.assistants.create({ graphId: "simple", name: "reference" });
    const run = await server.client.runs.create(thread.thread_id, "simple", { input: {} });
    await server.client.runs.join(thread.thread_id, run.run_id);
    await server.client.store.putItem(["ref"], "key", { v: 1 });
    ids = { thread: thread.thread_id, assistant: assistant.assistant_id, run: run.run_id };
  });
  afterAll(async () => {
    await server?.close();
  });

  it("has at least 200 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const body = c.raw !== undefined ? undefined : resolveBody(c.body, ids);
    const raw = c.raw !== undefined ? resolvePath(c.raw, ids) : undefined;
    // Compared with the state just before this case, so one failure does not cascade.
    const before: DataSnapshot = await snapshot(server, ids.thread);
    const res = await send(server.url, { method: c.method, path: resolvePath(c.path, ids), body, raw, headers: c.headers });
    expect(statusMatches(res.status, c.status), `expected ${c.status}, got ${res.status}: ${res.text.slice(0, 300)}`).toBe(true);
    expect(res.text).toMatch(c.message);
    expect(await isUp(server.url)).toBe(true);
    expect(await snapshot(server, ids.thread)).toEqual(before);
  });
});

describe("bodies beyond the limit (bodyLimit 1 KiB)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("memory", { settings: { bodyLimit: 1024 } });
  });
  afterAll(async () => {
    await server?.close();
  });
  const big = JSON.stringify({ metadata: { pad: "x".repeat(4096) } });
  const routes = bodyRoutes.filter(([, path]) => !path.includes("{"));
  it.each(routes)("%s %s with a 4 KiB body -> 413", async (method, path) => {
    const before = await server.app.context.persistence.metadata.threads.count({});
    const res = await send(server.url, { method, path, raw: big });
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/Request body is too large/);
    expect(await isUp(server.url)).toBe(true);
    expect(await server.app.context.persistence.metadata.threads.count({})).toBe(before);
  });
  it("a 1 MiB body without content-length (chunked) -> 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"metadata":{"pad":"'));
        for (let i = 0; i < 16; i++) controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('"}}'));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await isUp(server.url)).toBe(true);
  });
});

describe.each<Backend>(["memory", "postgres"])("hostile but well-formed input is treated as data (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.client.threads.create({ metadata: { owner: "hardening" } });
  });
  afterAll(async () => {
    await server?.close();
  });
  // Reads whose selector carries a NUL: refused, as any NUL in a request is,
  // with a 422 naming it (never a 5xx), on both backends alike.
  it.each([
    ["a store key", "GET", "/store/items?namespace=a&key=k%00", undefined],
    ["a store namespace", "GET", "/store/items?namespace=a%00b&key=k", undefined],
    ["GET history's before", "GET", "/threads/{thread}/history?before=%00", undefined],
    [
      "POST history's before.configurable.checkpoint_id",
      "POST",
      "/threads/{thread}/history",
      { before: { configurable: { checkpoint_id: "\u0000" } } },
    ],
    ["POST history's checkpoint.checkpoint_ns", "POST", "/threads/{thread}/history", { checkpoint: { checkpoint_ns: "\u0000" } }],
  ] as const)("a NUL character in %s is a 422 naming it", async (_what, method, path, body) => {
    const thread = await server.client.threads.create();
    await server.client.runs.wait(thread.thread_id, "simple", { input: {} });
    const res = await send(server.url, { method, path: path.replace("{thread}", thread.thread_id), body });
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(res.text).toMatch(/NUL characters \(\\u0000\) are not allowed/);
  });

  it("a lone surrogate in a metadata filter is a 422 naming it", async () => {
    const res = await send(server.url, { method: "POST", path: "/threads/search", body: { metadata: { owner: "\ud800" } } });
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(res.text).toMatch(/lone UTF-16 surrogate/);
  });

  // PostgreSQL cannot take NUL even as a query parameter: refused alike on both backends.
  it("a NUL character in a metadata filter is a 422 naming it", async () => {
    const res = await send(server.url, { method: "POST", path: "/threads/search", body: { metadata: { owner: "\u0000" } } });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/NUL/);
  });

  // Values live in checkpoints (bytes on both backends), but run input also
  // passes through the run record: NUL is refused with a 422 naming it, as
  // anywhere in a request. Silently dropping it would change the user's data.
  it.each([
    ["run input", { assistant_id: "simple", input: { messages: ["x\u0000y"] } }, "runs/wait"],
    ["state update", { values: { messages: ["x\u0000y"] } }, "state"],
  ] as const)("a NUL character in %s is refused with a 422 naming it, never silently dropped", async (_what, body, route) => {
    const thread = await server.client.threads.create();
    await server.client.runs.wait(thread.thread_id, "simple", { input: {} });
    const before = await server.client.threads.getState(thread.thread_id);
    const res = await send(server.url, { method: "POST", path: `/threads/${thread.thread_id}/${route}`, body });
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(res.text).toMatch(/NUL characters \(\\u0000\) are not allowed/);
    expect((await server.client.threads.getState(thread.thread_id)).values).toEqual(before.values);
  });

  const SQL = ["' OR '1'='1", "x'); DROP TABLE app_threads; --", '" OR 1=1 --', "$1", "metadata->>'owner'", "%' --"];
  it.each(SQL)("metadata filter %j matches nothing and drops nothing", async (text) => {
    const before = await server.client.threads.count();
    const threads = await send(server.url, { method: "POST", path: "/threads/search", body: { metadata: { [text]: text }, sort_by: "created_at" } });
    expect(threads.status).toBe(200);
    expect(JSON.parse(threads.text)).toEqual([]);
    const assistants = await send(server.url, { method: "POST", path: "/assistants/search", body: { metadata: { owner: text }, graph_id: text } });
    expect(assistants.status).toBe(200);
    expect(JSON.parse(assistants.text)).toEqual([]);
    const counted = await send(server.url, { method: "POST", path: "/threads/count", body: { metadata: { owner: text } } });
    expect(counted.text).toBe("0");
    expect(await server.client.threads.count()).toBe(before);
  });

  it.each(SQL)("store filter %j matches nothing", async (text) => {
    await server.client.store.putItem(["hardening"], "k", { owner: "me" });
    const items = await send(server.url, {
      method: "POST",
      path: "/store/items/search",
      body: { namespace_prefix: ["hardening"], filter: { [text]: text, owner: text } },
    });
    expect(items.status).toBe(200);
    expect(JSON.parse(items.text)).toEqual({ items: [] });
  });

  it.each(SQL)("store namespace prefix %j: no items, or a 422 naming the label", async (text) => {
    const res = await send(server.url, { method: "POST", path: "/store/items/search", body: { namespace_prefix: [text] } });
    if (res.status === 422) {
      expect(res.text).toMatch(/namespace label/i);
      return;
    }
    expect({ status: res.status, text: res.text.slice(0, 200) }).toEqual({ status: 200, text: JSON.stringify({ items: [] }) });
  });

  it("searching the whole store (no prefix) works, as the SDK's searchItems([]) sends it", async () => {
    await server.client.store.putItem(["whole"], "k", { v: 1 });
    const res = await send(server.url, { method: "POST", path: "/store/items/search", body: {} });
    expect({ status: res.status, text: res.text.slice(0, 200) }).toMatchObject({ status: 200 });
    expect(JSON.stringify(JSON.parse(res.text))).toContain('"whole"');
  });
});

// The same conflicting request 20 times at once: exactly one wins, the rest
// get the conflict the sequential case gets, and never a 5xx (a unique-key
// violation or a check-then-insert race would show here).
describe.each<Backend>(["memory", "postgres"])("concurrent conflicting requests (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });
  const burst = (req: RawRequest, n = 20) => Promise.all(Array.from({ length: n }, () => send(server.url, req)));
  const tally = (responses: Array<{ status: number }>) => {
    const out: Record<number, number> = {};
    for (const r of responses) out[r.status] = (out[r.status] ?? 0) + 1;
    return out;
  };

  it("20 creates of one thread id: one 200, nineteen 409", async () => {
    const id = "11111111-1111-4111-8111-111111111111";
    const responses = await burst({ method: "POST", path: "/threads", body: { thread_id: id } });
    expect(tally(responses)).toEqual({ 200: 1, 409: 19 });
    expect(responses.filter((r) => r.status === 409).every((r) => /already exists/i.test(r.text))).toBe(true);
  });

  it("20 creates of one assistant id: one 200, nineteen 409", async () => {
    const id = "22222222-2222-4222-8222-222222222222";
    const responses = await burst({ method: "POST", path: "/assistants", body: { graph_id: "simple", assistant_id: id } });
    expect(tally(responses)).toEqual({ 200: 1, 409: 19 });
  });

  it("20 runs at once on one thread with multitask_strategy reject: one accepted, nineteen 422", async () => {
    const thread = await server.client.threads.create();
    // The accepted run outlives the burst however slow the machine: only the cancel below ends it.
    const responses = await burst({
      method: "POST",
      path: `/threads/${thread.thread_id}/runs`,
      body: { assistant_id: "slow", input: { sleep: 600_000 } },
    });
    expect(tally(responses)).toEqual({ 200: 1, 422: 19 });
    expect(responses.filter((r) => r.status === 422).every((r) => /already running/.test(r.text))).toBe(true);
    const runs = await server.client.runs.list(thread.thread_id);
    expect(runs).toHaveLength(1);
    await server.client.runs.cancel(thread.thread_id, runs[0]!.run_id, true);
  });

  it("20 enqueued runs at once on a thread that does not exist yet (if_not_exists create): one thread, twenty runs", async () => {
    const id = "33333333-3333-4333-8333-333333333333";
    const responses = await burst({
      method: "POST",
      path: `/threads/${id}/runs`,
      body: { assistant_id: "simple", if_not_exists: "create", multitask_strategy: "enqueue" },
    });
    expect(tally(responses)).toEqual({ 200: 20 });
    expect((await server.client.threads.search({ ids: [id] })).length).toBe(1);
    expect(await server.client.runs.list(id, { limit: 100 })).toHaveLength(20);
  });

  it("delete, copy, state and run on one thread at once: no 5xx, and the server stays up", async () => {
    const thread = await server.client.threads.create();
    await server.client.runs.wait(thread.thread_id, "simple", { input: {} });
    const path = `/threads/${thread.thread_id}`;
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => send(server.url, { method: "DELETE", path })),
      ...Array.from({ length: 5 }, () => send(server.url, { method: "POST", path: `${path}/copy` })),
      ...Array.from({ length: 5 }, () => send(server.url, { method: "GET", path: `${path}/state` })),
      ...Array.from({ length: 5 }, () => send(server.url, { method: "POST", path: `${path}/runs`, body: { assistant_id: "simple" } })),
    ]);
    expect(responses.filter((r) => r.status >= 500).map((r) => `${r.status} ${r.text.slice(0, 120)}`)).toEqual([]);
    expect(await isUp(server.url)).toBe(true);
  });
});
