// Bad input gets a 4xx naming the problem, never a 500, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

const unknown = "00000000-0000-4000-8000-000000000000";

describe("bad input (memory)", () => {
  let server: TestServer;
  let threadId: string;
  beforeAll(async () => {
    server = await startTestServer("memory");
    threadId = (await server.client.threads.create()).thread_id;
  });
  afterAll(async () => {
    await server?.close();
  });

  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  const cases: Array<[string, string, string, unknown, number, RegExp]> = [
    ["non-uuid thread id", "GET", "/threads/not-a-uuid", undefined, 422, /thread_id/],
    ["unknown thread", "GET", `/threads/${unknown}`, undefined, 404, /Thread with ID .* not found/],
    ["unknown thread state", "GET", `/threads/${unknown}/state`, undefined, 404, /not found/],
    ["unknown assistant", "GET", `/assistants/${unknown}`, undefined, 404, /Assistant not found/],
    ["limit too big", "POST", "/threads/search", { limit: 100000 }, 422, /limit/],
    ["negative offset", "POST", "/threads/search", { offset: -1 }, 422, /offset/],
    ["bad sort field", "POST", "/threads/search", { sort_by: "thread_id; DROP TABLE app_threads" }, 422, /sort_by/],
    ["metadata not an object", "POST", "/threads", { metadata: "x" }, 422, /metadata/],
    ["missing assistant_id", "POST", "/runs/wait", { input: {} }, 422, /assistant_id/],
    ["unknown assistant on run", "POST", "/runs/wait", { assistant_id: "nope", input: {} }, 404, /No assistant found for "nope"/],
    ["bad stream mode", "POST", "/runs/stream", { assistant_id: "simple", stream_mode: "everything" }, 422, /stream_mode/],
    ["bad multitask strategy", "POST", `/threads/${unknown}/runs`, { assistant_id: "simple", multitask_strategy: "yolo" }, 422, /multitask_strategy/],
    ["run on unknown thread", "POST", `/threads/${unknown}/runs`, { assistant_id: "simple" }, 404, /Thread with ID/],
    ["invalid JSON", "POST", "/threads", "{not json", 400, /Invalid JSON/],
    ["unknown run", "GET", `/threads/${unknown}/runs/${unknown}`, undefined, 404, /not found/],
    ["unknown route", "GET", "/nope", undefined, 404, /Not found/],
    ["bad version type", "POST", `/assistants/simple/latest`, { version: "one" }, 422, /version/],
    ["store without key", "PUT", "/store/items", { namespace: ["a"], value: {} }, 422, /key/],
  ];

  it.each(cases)("%s -> %i", async (_name, method, path, body, status, message) => {
    const before = await server.client.threads.count();
    const res = await send(method, path, body);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(message);
    expect(await server.client.threads.count()).toBe(before);
  });

  it("rejects a wrong content type with 415", async () => {
    const res = await send("POST", "/threads", "<xml/>", { "content-type": "application/xml" });
    expect(res.status).toBe(415);
  });

  it("accepts a JSON body labelled text/plain, as the reference does", async () => {
    const res = await send("POST", "/threads/search", JSON.stringify({ ids: [threadId] }), { "content-type": "text/plain" });
    expect(res.status).toBe(200);
  });
});
