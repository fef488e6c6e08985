// The hostile cases of issue #11, each on both backends: a 4xx with a clear
// message (or a faithful store and read back), never a 5xx, and the server
// keeps serving.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Backend, type TestServer } from "../helpers/server.ts";
import { isUp, send } from "./support.ts";

describe.each<Backend>(["memory", "postgres"])("issue 11 hostile cases (%s)", (backend) => {
  let server: TestServer;
  let assistantId: string;
  let threadId: string;
  let runId: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const a = await server.client.assistants.create({ graphId: "simple", name: "ref" });
    assistantId = a.assistant_id;
    const t = await server.client.threads.create();
    threadId = t.thread_id;
    const r = await server.client.runs.create(threadId, "simple", { input: {} });
    runId = r.run_id;
    await server.client.runs.join(threadId, runId);
  });
  afterAll(async () => {
    await server?.close();
  });

  const NUL_PATHS: Array<[string, string, unknown?]> = [
    ["GET", "/assistants/%00"],
    ["PATCH", "/assistants/%00", { name: "x" }],
    ["DELETE", "/assistants/%00"],
    ["GET", "/assistants/%00/graph"],
    ["GET", "/assistants/%00/schemas"],
    ["GET", "/assistants/%00/subgraphs"],
    ["POST", "/assistants/%00/versions", {}],
    ["POST", "/assistants/%00/latest", { version: 1 }],
    ["POST", "/assistants/search", { graph_id: "\u0000" }],
    ["POST", "/assistants/search", { name: "a\u0000" }],
    ["POST", "/assistants/count", { graph_id: "\u0000" }],
    ["POST", "/assistants/count", { name: "\u0000" }],
    ["POST", "/store/items/search", { namespace_prefix: ["a\u0000"] }],
    ["POST", "/threads/search", { metadata: { "k\u0000": 1 } }],
    ["POST", "/threads/count", { metadata: { "k\u0000": 1 } }],
  ];
  it.each(NUL_PATHS)("NUL: %s %s %j", async (method, path, body) => {
    const res = await send(server.url, { method, path, body });
    expect(res.status, res.text).toBeLessThan(500);
    expect(await isUp(server.url)).toBe(true);
  });

  const BIG = ["1e308", String(2 ** 63), "99999999999999999999"];
  it.each(BIG)("offset %s", async (n) => {
    for (const [method, path] of [["POST", "/threads/search"], ["POST", "/assistants/search"], ["POST", `/assistants/{a}/versions`], ["POST", "/store/items/search"], ["POST", "/store/namespaces"]] as const) {
      const res = await send(server.url, { method, path: path.replace("{a}", assistantId), raw: `{"offset": ${n}}` });
      expect(res.status, `${path}: ${res.text}`).toBeLessThan(500);
    }
    const res = await send(server.url, { method: "GET", path: `/threads/${threadId}/runs?offset=${n}` });
    expect(res.status, res.text).toBeLessThan(500);
    const latest = await send(server.url, { method: "POST", path: `/assistants/${assistantId}/latest`, raw: `{"version": ${n}}` });
    expect(latest.status, latest.text).toBeLessThan(500);
  });
  it("latest with version 9007199254740993", async () => {
    const res = await send(server.url, { method: "POST", path: `/assistants/${assistantId}/latest`, raw: `{"version": 9007199254740993}` });
    expect(res.status, res.text).toBeLessThan(500);
  });

  it("long store keys and labels", async () => {
    for (const body of [
      { namespace: ["a"], key: "k".repeat(10_000), value: {} },
      { namespace: ["l".repeat(10_000)], key: "k", value: {} },
      { namespace: Array.from({ length: 1000 }, (_, i) => `n${i}`), key: "k", value: {} },
    ]) {
      const res = await send(server.url, { method: "PUT", path: "/store/items", body });
      expect(res.status, res.text).toBeLessThan(500);
    }
  });

  it("LIKE wildcards", async () => {
    await server.client.store.putItem(["hostile", "x"], "k", { v: 1 });
    await server.client.store.putItem(["a_b"], "k", { v: 1 });
    for (const body of [{ prefix: ["%"] }, { prefix: ["_"] }, { prefix: ["hostil%"] }, { suffix: ["%"] }]) {
      const res = await send(server.url, { method: "POST", path: "/store/namespaces", body });
      expect([res.status, JSON.parse(res.text)]).toEqual([200, { namespaces: [] }]);
    }
    const res = await send(server.url, { method: "POST", path: "/store/items/search", body: { namespace_prefix: ["a_b"] } });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).items).toHaveLength(1);
  });

  it.each(["1e308", "-99999999999999999999", String(2 ** 53 + 10), "abc"])("join stream with Last-Event-ID %s ends", async (id) => {
    const res = await send(server.url, { method: "GET", path: `/threads/${threadId}/runs/${runId}/stream`, headers: { "last-event-id": id } }, 10_000);
    expect(res.status).toBeLessThan(500);
  });

  // Issue item 1: the unknown node is caught before anything is written; the
  // second case fails inside LangGraph after the first superstep is applied.
  it.each([
    ["an unknown node", [{ updates: [{ values: { messages: ["t"] }, as_node: "nope" }] }], /Node "nope" does not exist/],
    ["two input updates in one superstep", [{ updates: [{ values: { messages: ["t"] }, as_node: "__input__" }, { values: { messages: ["u"] }, as_node: "__input__" }] }], /multiple updates/],
  ] as const)("a thread create whose supersteps fail (%s) leaves no thread, and the retry succeeds", async (_what, bad, message) => {
    const id = randomUUID();
    const first = { updates: [{ values: { messages: ["s"] }, as_node: "a" }] };
    const body = { thread_id: id, metadata: { graph_id: "simple" }, supersteps: [first, ...bad] };
    const res = await send(server.url, { method: "POST", path: "/threads", body });
    expect(res.status, res.text).toBe(422);
    expect(res.text).toMatch(message);
    expect((await send(server.url, { method: "GET", path: `/threads/${id}` })).status).toBe(404);
    expect(await server.app.context.persistence.checkpointer.getTuple({ configurable: { thread_id: id, checkpoint_ns: "" } })).toBeUndefined();
    const retry = await send(server.url, { method: "POST", path: "/threads", body: { ...body, supersteps: [first] } });
    expect(retry.status, retry.text).toBe(200);
    const state = await server.client.threads.getState<{ messages: string[] }>(id);
    expect(state.values.messages).toEqual(["s"]);
  });
});
