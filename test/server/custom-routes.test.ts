// langgraph.json "http.app": a Hono app in front of the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { WebSocket } from "ws";
import { killAllCliChildren, startCli, type CliServer } from "../helpers/cli.ts";
import { pollUntil } from "../helpers/wait.ts";

const manifest = join(import.meta.dirname, "../fixtures/custom-routes/langgraph.json");

describe("custom routes (http.app)", () => {
  let server: CliServer;
  let client: Client;
  beforeAll(async () => {
    server = await startCli(["--config", manifest, "--port", "0"]);
    client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    await killAllCliChildren();
  });

  it("serves the app's routes and its errors", async () => {
    const res = await fetch(`${server.url}/custom/hello?name=ann`);
    expect(await res.json()).toEqual({ hello: "ann" });
    expect(res.headers.get("x-wrapped")).toBe("yes");
    expect((await fetch(`${server.url}/custom/fail`)).status).toBe(418);
  });

  it("wraps the API with the app's middleware, which may answer first", async () => {
    const info = await fetch(`${server.url}/info`);
    expect(info.status).toBe(200);
    expect(info.headers.get("x-wrapped")).toBe("yes");
    const stopped = await fetch(`${server.url}/info?maintenance`);
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toEqual({ status: "maintenance" });
    expect((await fetch(`${server.url}/does/not/exist`)).status).toBe(404);
  });

  it("passes a body the middleware rewrote to the API, and streams through", async () => {
    const thread = await client.threads.create();
    const res = await fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-team-override": "blue" },
      body: JSON.stringify({ assistant_id: "echo", input: {} }),
    });
    expect(await res.json()).toEqual({ seen: "blue" });
    const events = [];
    for await (const e of client.runs.stream(thread.thread_id, "echo", { input: {} })) events.push(e.event);
    expect(events[0]).toBe("metadata");
    expect(events).toContain("values");
  });

  it("lets graphs and routes reach the server with new Client(), and resolves relative webhooks", async () => {
    expect(await (await fetch(`${server.url}/custom/loopback`)).json()).toEqual({ result: { seen: "none" } });
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "echo", { input: {}, webhook: "/custom/webhook" });
    const payload = await pollUntil(
      async () => ((await (await fetch(`${server.url}/custom/webhook`)).json()) as { run_id?: string; status?: string } | null) ?? undefined,
      "the relative webhook call",
    );
    expect(payload).toMatchObject({ run_id: run.run_id, status: "success" });
  });

  it("passes the streaming protocol's WebSocket through to the API", async () => {
    const thread = await client.threads.create();
    const socket = new WebSocket(`${server.url.replace("http", "ws")}/threads/${thread.thread_id}/stream/events`);
    const answers: Array<Record<string, unknown>> = [];
    socket.on("message", (data) => answers.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
    socket.send(JSON.stringify({ id: 1, method: "subscription.subscribe", params: { channels: ["lifecycle"] } }));
    socket.send(JSON.stringify({ id: 2, method: "run.start", params: { assistant_id: "echo", input: {} } }));
    await expect
      .poll(() => answers.some((a) => a.type === "event" && (a.params as { data: { event: string } }).data.event === "completed"), {
        timeout: 30_000,
      })
      .toBe(true);
    expect(answers).toContainEqual(expect.objectContaining({ type: "success", id: 2 }));
    socket.close();
  });
});
