// Bad input on the protocol's routes: protocol error envelopes with the
// right codes, or a clean close, never a 5xx; and no stream left behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { v7 as uuid7 } from "uuid";
import { WebSocket } from "ws";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { protocolGraphs } from "../../fixtures/protocol-graphs.ts";
import { MAX_FRAME_BYTES } from "../../../src/server/protocol/routes.ts";
import { command } from "./support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer("memory", { graphs: protocolGraphs });
});
afterAll(async () => {
  await server?.close();
});

const post = async (path: string, body: string, contentType = "application/json") => {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
  return { status: res.status, text: await res.text() };
};

describe("POST /threads/:id/commands", () => {
  const path = () => `/threads/${uuid7()}/commands`;

  it("answers malformed JSON with a 400 invalid_argument envelope", async () => {
    const res = await post(path(), "{not json");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ type: "error", id: null, error: "invalid_argument", message: expect.stringMatching(/valid JSON/) });
  });

  it.each([
    ["no id", { method: "run.start", params: {} }],
    ["a negative id", { id: -1, method: "run.start" }],
    ["a string id", { id: "1", method: "run.start" }],
    ["an array", [1, 2]],
  ])("answers a command with %s with a 400 envelope", async (_name, body) => {
    const res = await post(path(), JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      type: "error",
      error: "invalid_argument",
      message: expect.stringMatching(/integer id and string method|JSON object/),
    });
  });

  it.each([
    ["run.start without assistant_id", "run.start", { input: {} }, "invalid_argument"],
    ["run.start with a numeric assistant_id", "run.start", { assistant_id: 5 }, "invalid_argument"],
    ["run.start with a string config", "run.start", { assistant_id: "simple", config: "x" }, "invalid_argument"],
    ["run.start with an unknown strategy", "run.start", { assistant_id: "simple", multitaskStrategy: "later" }, "invalid_argument"],
    ["run.start with an unknown assistant", "run.start", { assistant_id: "nope" }, "invalid_argument"],
    ["input.respond with a numeric interrupt_id", "input.respond", { interrupt_id: 5, response: "x" }, "invalid_argument"],
    ["input.respond with an empty batch", "input.respond", { responses: [] }, "invalid_argument"],
    ["input.respond on an unknown thread", "input.respond", { interrupt_id: "i", response: "x" }, "no_such_run"],
    ["state.get on an unknown thread", "state.get", { namespace: [] }, "no_such_run"],
    ["state.fork without a checkpoint", "state.fork", {}, "invalid_argument"],
    ["an unknown method", "thread.explode", {}, "unknown_command"],
    ["subscription.subscribe over HTTP", "subscription.subscribe", { channels: ["values"] }, "not_supported"],
  ])("%s: a %s envelope", async (_name, method, params, code) => {
    const res = await command(server.url, uuid7(), 7, method, params);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: "error", id: 7, error: code, message: expect.any(String) });
  });

  it("a command with an id but no method is answered under its id", async () => {
    const res = await post(path(), JSON.stringify({ id: 4, params: {} }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ type: "error", id: 4, error: "invalid_argument" });
  });

  it("params that are not an object get invalid_argument", async () => {
    const res = await post(path(), JSON.stringify({ id: 3, method: "run.start", params: "x" }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ type: "error", id: 3, error: "invalid_argument" });
  });

  it("input.respond while the thread is not interrupted is invalid_argument", async () => {
    const threadId = uuid7();
    await command(server.url, threadId, 1, "run.start", { assistant_id: "simple", input: { messages: ["x"] } });
    await expect.poll(async () => (await server.client.threads.get(threadId)).status, { timeout: 20_000 }).toBe("idle");
    const res = await command(server.url, threadId, 2, "input.respond", { interrupt_id: "nope", response: 1 });
    expect(res.body).toMatchObject({ type: "error", error: "invalid_argument", message: expect.stringMatching(/interrupted/) });
  });

  it("a thread id that is not a UUID is a 422 envelope", async () => {
    const res = await post("/threads/not-a-uuid/commands", JSON.stringify({ id: 1, method: "state.get" }));
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text)).toMatchObject({ type: "error", error: "invalid_argument" });
  });
});

describe("POST /threads/:id/stream/events", () => {
  it.each([
    ["no channels", {}],
    ["an unknown channel", { channels: ["everything"] }],
    ["a negative since", { channels: ["values"], since: -1 }],
    ["namespaces that are not lists", { channels: ["values"], namespaces: ["a"] }],
  ])("refuses %s with a 422", async (_name, body) => {
    const res = await post(`/threads/${uuid7()}/stream/events`, JSON.stringify(body));
    expect(res.status).toBe(422);
    expect(res.text.length).toBeGreaterThan(0);
  });
});

describe("WebSocket", () => {
  const connect = (threadId = uuid7()) =>
    new Promise<{ socket: WebSocket; next: () => Promise<Record<string, unknown>>; closed: Promise<number> }>((resolve, reject) => {
      const socket = new WebSocket(`${server.url.replace("http", "ws")}/threads/${threadId}/stream/events`);
      const queue: Array<Record<string, unknown>> = [];
      const waiters: Array<(m: Record<string, unknown>) => void> = [];
      socket.on("message", (data) => {
        const m = JSON.parse(String(data)) as Record<string, unknown>;
        const w = waiters.shift();
        if (w) w(m);
        else queue.push(m);
      });
      const closed = new Promise<number>((r) => socket.once("close", (code) => r(code)));
      socket.once("open", () =>
        resolve({ socket, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))), closed }),
      );
      socket.once("error", reject);
    });

  it("answers garbage frames with an error envelope and stays open", async () => {
    const { socket, next } = await connect();
    socket.send("not json");
    expect(await next()).toMatchObject({ type: "error", id: null, error: "invalid_argument" });
    socket.send(Buffer.from([0xff, 0x00, 0x13]));
    expect(await next()).toMatchObject({ type: "error", id: null, error: "invalid_argument" });
    socket.send(JSON.stringify({ id: 2 }));
    expect(await next()).toMatchObject({ type: "error", id: 2, error: "invalid_argument" });
    socket.send(JSON.stringify({ id: 3, method: "subscription.subscribe", params: { channels: "values" } }));
    expect(await next()).toMatchObject({ type: "error", id: 3, error: "invalid_argument" });
    socket.send(JSON.stringify({ id: 4, method: "subscription.unsubscribe", params: { subscription_id: "nope" } }));
    expect(await next()).toMatchObject({ type: "error", id: 4, error: "no_such_subscription" });
    socket.send(JSON.stringify({ id: 5, method: "subscription.subscribe", params: { channels: ["values"] } }));
    expect(await next()).toMatchObject({ type: "success", id: 5, result: { subscription_id: expect.any(String), replayed_events: 0 } });
    socket.close();
  });

  it("closes on an oversized frame (1009)", async () => {
    const { socket, closed } = await connect();
    socket.send("x".repeat(MAX_FRAME_BYTES + 1));
    expect(await closed).toBe(1009);
  });
});

describe("abandoned streams", () => {
  it("200 SSE streams and 50 sockets opened and dropped leave no stream behind", async () => {
    const threadId = uuid7();
    await command(server.url, threadId, 1, "run.start", { assistant_id: "simple", input: { messages: ["x"] } });
    const controllers = Array.from({ length: 200 }, () => new AbortController());
    const responses = await Promise.all(
      controllers.map((c, i) =>
        fetch(`${server.url}/threads/${i % 2 ? threadId : uuid7()}/stream/events`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ channels: ["values", "lifecycle"] }),
          signal: c.signal,
        }),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const sockets = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const s = new WebSocket(`${server.url.replace("http", "ws")}/threads/${threadId}/stream/events`);
            s.once("open", () => resolve(s));
            s.once("error", reject);
          }),
      ),
    );
    const hub = server.app.context.protocol.hub;
    await expect.poll(() => hub.openStreams(), { timeout: 20_000 }).toBe(250);
    for (const c of controllers) c.abort();
    for (const s of sockets) s.terminate();
    await expect.poll(() => hub.openStreams(), { timeout: 30_000 }).toBe(0);
  });
});

describe("shutdown", () => {
  it("ends open protocol streams cleanly: SSE responses end, sockets close with 1001", async () => {
    const own = await startTestServer("memory", { graphs: protocolGraphs });
    const threadId = uuid7();
    const res = await fetch(`${own.url}/threads/${threadId}/stream/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channels: ["values"] }),
    });
    const body = res.text();
    const socket = new WebSocket(`${own.url.replace("http", "ws")}/threads/${threadId}/stream/events`);
    await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await own.close();
    await expect(body).resolves.toBe("");
    expect(await closed).toBe(1001);
    expect(own.app.context.protocol.hub.openStreams()).toBe(0);
  });
});
