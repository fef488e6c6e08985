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
  it.each(NUL_PATHS)("item 2, NUL: %s %s %j is a 422 naming it", async (method, path, body) => {
    const res = await send(server.url, { method, path, body });
    expect({ status: res.status, text: res.text }).toEqual({ status: 422, text: expect.stringMatching(/NUL/) });
    expect(await isUp(server.url)).toBe(true);
  });

  const BIG = ["1e308", String(2 ** 63), "99999999999999999999"];
  it.each(BIG)("item 3, integers beyond bigint: offset %s is a 422 naming the field", async (n) => {
    for (const path of ["/threads/search", "/assistants/search", `/assistants/{a}/versions`, "/store/items/search", "/store/namespaces"]) {
      const res = await send(server.url, { method: "POST", path: path.replace("{a}", assistantId), raw: `{"offset": ${n}}` });
      expect({ path, status: res.status, text: res.text }).toEqual({ path, status: 422, text: expect.stringMatching(/offset/) });
    }
    const runs = await send(server.url, { method: "GET", path: `/threads/${threadId}/runs?offset=${n}` });
    expect({ status: runs.status, text: runs.text }).toEqual({ status: 422, text: expect.stringMatching(/offset/) });
    const latest = await send(server.url, { method: "POST", path: `/assistants/${assistantId}/latest`, raw: `{"version": ${n}}` });
    expect({ status: latest.status, text: latest.text }).toEqual({ status: 422, text: expect.stringMatching(/version/) });
  });
  it("item 3: latest with version 9007199254740993 is a 422 naming the field", async () => {
    const res = await send(server.url, { method: "POST", path: `/assistants/${assistantId}/latest`, raw: `{"version": 9007199254740993}` });
    expect({ status: res.status, text: res.text }).toEqual({ status: 422, text: expect.stringMatching(/version/) });
  });
  it("item 3: the largest offset a bigint and a JS number both hold is accepted", async () => {
    const res = await send(server.url, { method: "POST", path: "/threads/search", body: { offset: Number.MAX_SAFE_INTEGER } });
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: "[]" });
  });

  it.each([
    ["a 10 000-character key", { namespace: ["a"], key: "k".repeat(10_000), value: {} }, /key is 10000 bytes.*at most 1024/],
    ["a 10 000-character label", { namespace: ["l".repeat(10_000)], key: "k", value: {} }, /Namespace is 10000 bytes.*at most 1024/],
    ["1 000 labels", { namespace: Array.from({ length: 1000 }, (_, i) => `n${i}`), key: "k", value: {} }, /1000 labels; at most 100/],
  ] as const)("item 4, long store addresses: %s is a 422 naming the limit", async (_what, body, message) => {
    for (const [method, path, payload] of [
      ["PUT", "/store/items", body],
      ["DELETE", "/store/items", { namespace: body.namespace, key: body.key }],
      ["POST", "/store/items/search", { namespace_prefix: body.namespace }],
    ] as const) {
      if (method !== "PUT" && message.source.startsWith("key")) continue;
      const res = await send(server.url, { method, path, body: payload });
      expect({ method, path, status: res.status, text: res.text }).toEqual({ method, path, status: 422, text: expect.stringMatching(message) });
    }
    expect(await isUp(server.url)).toBe(true);
  });
  it("item 4: a key and a namespace at the limit are stored and read back", async () => {
    const key = "k".repeat(1024);
    const namespace = ["n".repeat(500), "m".repeat(523)];
    expect((await send(server.url, { method: "PUT", path: "/store/items", body: { namespace, key, value: { v: 1 } } })).status).toBe(204);
    expect(await server.client.store.getItem(namespace, key)).toMatchObject({ namespace, key, value: { v: 1 } });
  });

  it("item 5, LIKE wildcards: prefixes and suffixes match labels literally", async () => {
    await server.client.store.putItem(["hostile", "x"], "k", { v: 1 });
    await server.client.store.putItem(["hostilex"], "k", { v: 1 });
    for (const body of [
      { prefix: ["%"] },
      { prefix: ["_"] },
      { prefix: ["hostil%"] },
      { prefix: ["hostil"] },
      { suffix: ["%"] },
      { prefix: ["host_le"] },
      { prefix: ["\\"] },
    ]) {
      const res = await send(server.url, { method: "POST", path: "/store/namespaces", body });
      expect({ body, status: res.status, namespaces: JSON.parse(res.text) }).toEqual({ body, status: 200, namespaces: { namespaces: [] } });
    }
    const exact = await send(server.url, { method: "POST", path: "/store/namespaces", body: { prefix: ["hostile"] } });
    expect(JSON.parse(exact.text)).toEqual({ namespaces: [["hostile", "x"]] });
    const wildcard = await send(server.url, { method: "POST", path: "/store/namespaces", body: { prefix: ["*", "x"] } });
    expect(JSON.parse(wildcard.text)).toEqual({ namespaces: [["hostile", "x"]] });
    const items = await send(server.url, { method: "POST", path: "/store/items/search", body: { namespace_prefix: ["hostil"] } });
    expect(JSON.parse(items.text)).toEqual({ items: [] });
  });
  it.each([["a_b"], ["100%"], ["back\\slash"], ["a_b", "c%d"]])(
    "item 5: a namespace holding LIKE characters %j is stored, searched and listed",
    async (...namespace) => {
      await server.client.store.putItem(namespace, "k", { v: namespace.join("/") });
      expect(await server.client.store.getItem(namespace, "k")).toMatchObject({ namespace, value: { v: namespace.join("/") } });
      const found = await server.client.store.searchItems(namespace);
      expect(found.items.map((i) => i.namespace)).toEqual([namespace]);
      const listed = await server.client.store.listNamespaces({ prefix: namespace });
      expect(listed.namespaces).toEqual([namespace]);
    },
  );
  it("item 5: a label holding ':' (how both backends join labels) is a 422", async () => {
    const res = await send(server.url, { method: "PUT", path: "/store/items", body: { namespace: ["a:b"], key: "k", value: {} } });
    expect({ status: res.status, text: res.text }).toEqual({ status: 422, text: expect.stringMatching(/cannot contain ':'/) });
  });

  it.each(["1e308", "-99999999999999999999", String(2 ** 53 + 10), "abc", "-2"])(
    "item 6: a join stream with Last-Event-ID %s is a 422 before the stream opens",
    async (id) => {
      for (const path of [`/threads/${threadId}/runs/${runId}/stream`, `/runs/${runId}/stream`, `/threads/${threadId}/stream`]) {
        const res = await send(server.url, { method: "GET", path, headers: { "last-event-id": id } }, 10_000);
        expect({ path, status: res.status, text: res.text }).toEqual({ path, status: 422, text: expect.stringMatching(/Last-Event-ID/) });
      }
    },
  );
  it("item 6: a join stream of a finished run with the highest valid Last-Event-ID ends at once", async () => {
    const res = await send(
      server.url,
      { method: "GET", path: `/threads/${threadId}/runs/${runId}/stream`, headers: { "last-event-id": String(Number.MAX_SAFE_INTEGER) } },
      10_000,
    );
    expect(res.status).toBe(200);
  });

  // Issue item 1: the unknown node is caught before anything is written; the
  // second case fails inside LangGraph after the first superstep is applied.
  it.each([
    ["an unknown node", [{ updates: [{ values: { messages: ["t"] }, as_node: "nope" }] }], /Node "nope" does not exist/],
    [
      "two input updates in one superstep",
      [
        {
          updates: [
            { values: { messages: ["t"] }, as_node: "__input__" },
            { values: { messages: ["u"] }, as_node: "__input__" },
          ],
        },
      ],
      /multiple updates/,
    ],
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
