// The smaller findings of issue #11, on both backends: errors Node's parser
// and fastify's router answer are plain text like every other error; a run
// delayed past setTimeout's limit is scheduled without an overflow; webhooks
// other than http(s) are refused when the run is created.
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Backend, type TestServer } from "../helpers/server.ts";
import { isUp, send } from "./support.ts";
import { pollUntil } from "../helpers/wait.ts";
import { HttpError } from "../../src/server/errors.ts";

/** Writes `request` on a raw socket and returns what comes back until the server closes. */
async function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("data", (chunk) => (text += chunk.toString("utf8")));
    socket.on("error", (error) => (text ? resolve(text) : reject(error)));
    socket.on("close", () => resolve(text));
    socket.write(request);
  });
}

describe.each<Backend>(["memory", "postgres"])("issue 11 stragglers (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a malformed request line: 400 in plain text", async () => {
    const text = await rawExchange(server.url, "GARBAGE\r\n\r\n");
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/content-type: text\/plain/i);
    expect(text).not.toMatch(/"statusCode"/);
    expect(await isUp(server.url)).toBe(true);
  });

  it("headers past Node's limit: 431 in plain text", async () => {
    const text = await rawExchange(server.url, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text).toMatch(/content-type: text\/plain/i);
    expect(text).toMatch(/header fields too large/i);
    expect(await isUp(server.url)).toBe(true);
  });

  it("a path segment past the router's limit: 414 in plain text", async () => {
    const res = await send(server.url, { method: "GET", path: `/assistants/${"a".repeat(500)}` });
    expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status: 414, type: expect.stringMatching(/text\/plain/) });
    expect(res.text).toMatch(/URI too long/);
  });

  it("a malformed percent-encoding: 400 in plain text", async () => {
    const res = await send(server.url, { method: "GET", path: "/assistants/%E0%A4%A" });
    expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status: 400, type: expect.stringMatching(/text\/plain/) });
  });

  it("after_seconds beyond 24.8 days: scheduled without a TimeoutOverflowWarning, still pending", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const thread = await server.client.threads.create();
      const res = await send(server.url, {
        method: "POST",
        path: `/threads/${thread.thread_id}/runs`,
        body: { assistant_id: "simple", input: {}, after_seconds: 30 * 24 * 3600 },
      });
      expect(res.status, res.text).toBe(200);
      const run = JSON.parse(res.text) as { run_id: string };
      // A run due in 1 s on another thread: once it is done, an overflowed
      // timer (it fires after 1 ms, so earlier) would have started ours.
      const control = await server.client.threads.create();
      const due = await server.client.runs.create(control.thread_id, "simple", { input: {}, afterSeconds: 1 });
      await pollUntil(async () => (await server.client.runs.get(control.thread_id, due.run_id)).status === "success", "the run due in 1 s");
      expect((await server.client.runs.get(thread.thread_id, run.run_id)).status).toBe("pending");
      expect(warnings.filter((w) => w.startsWith("TimeoutOverflowWarning"))).toEqual([]);
      await server.client.runs.cancel(thread.thread_id, run.run_id);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it.each(["file:///etc/passwd", "javascript:alert(1)", "data:text/plain,x", "ftp://example.com/x", "//evil.example/x", "not a url"])(
    "webhook %j is a 422 at creation, and no run is made",
    async (webhook) => {
      const thread = await server.client.threads.create();
      for (const path of [`/threads/${thread.thread_id}/runs`, "/runs/batch"]) {
        const body = { assistant_id: "simple", input: {}, webhook };
        const res = await send(server.url, { method: "POST", path, body: path === "/runs/batch" ? [body] : body });
        expect({ path, status: res.status, text: res.text }).toEqual({ path, status: 422, text: expect.stringMatching(/webhook/) });
      }
      expect(await server.client.runs.list(thread.thread_id)).toEqual([]);
    },
  );

  it.each(["http://127.0.0.1:9/hook", "https://example.invalid/hook", "/local/hook"])("webhook %j is accepted", async (webhook) => {
    const thread = await server.client.threads.create();
    const res = await send(server.url, {
      method: "POST",
      path: `/threads/${thread.thread_id}/runs/wait`,
      body: { assistant_id: "simple", input: {}, webhook },
    });
    expect(res.status, res.text).toBe(200);
  });
});

describe("heartbeats are invisible to the SDK", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("memory", { settings: { sseHeartbeatMs: 100 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a stream with heartbeat comments between its events reads as the same events through the SDK", async () => {
    const thread = await server.client.threads.create();
    const events: string[] = [];
    for await (const chunk of server.client.runs.stream(thread.thread_id, "slow", { input: { sleep: 700 }, streamMode: ["values", "updates"] }))
      events.push(chunk.event);
    expect(events[0]).toBe("metadata");
    expect(events).toContain("updates");
    expect(events.at(-1)).toBe("values");
    expect(events.every((e) => ["metadata", "values", "updates"].includes(e))).toBe(true);
  });
});

// Multi-step writes whose later step fails leave nothing of the earlier ones.
// The failure is injected into the persistence layer (memory and PostgreSQL).
describe.each<Backend>(["memory", "postgres"])("no half-done write when a later step fails (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a run with if_not_exists create whose insert fails leaves no thread behind", async () => {
    const runs = server.app.context.persistence.metadata.runs;
    const original = runs.create;
    runs.create = async () => {
      throw new HttpError(409, "injected failure of the run insert");
    };
    try {
      const id = randomUUID();
      const res = await send(server.url, {
        method: "POST",
        path: `/threads/${id}/runs`,
        body: { assistant_id: "simple", input: {}, if_not_exists: "create" },
      });
      expect({ status: res.status, text: res.text }).toEqual({ status: 409, text: "injected failure of the run insert" });
      expect((await send(server.url, { method: "GET", path: `/threads/${id}` })).status).toBe(404);
    } finally {
      runs.create = original;
    }
  });

  it("a thread copy whose checkpoint copy fails leaves no copy behind", async () => {
    const thread = await server.client.threads.create();
    await server.client.runs.wait(thread.thread_id, "simple", { input: {} });
    const before = await server.client.threads.count();
    const checkpoints = server.app.context.persistence.checkpoints;
    const original = checkpoints.copyThread.bind(checkpoints);
    checkpoints.copyThread = async () => {
      throw new HttpError(409, "injected failure of the checkpoint copy");
    };
    try {
      const res = await send(server.url, { method: "POST", path: `/threads/${thread.thread_id}/copy` });
      expect(res.status).toBe(409);
      expect(await server.client.threads.count()).toBe(before);
    } finally {
      checkpoints.copyThread = original;
    }
  });
});
