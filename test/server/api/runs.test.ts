// Runs through the SDK Client: wait, stream modes, interrupts and resume,
// forks, multitask strategies, cancel, join and replay, stateless runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Command } from "@langchain/langgraph-sdk";
import { BACKENDS, collect, startTestServer, type TestServer } from "../../helpers/server.ts";
import { createGate, pollUntil } from "../../helpers/wait.ts";
import { gated, testGraphs, threadGates } from "../../fixtures/graphs.ts";

type State = { messages: string[]; count: number };

async function waitStatus(server: TestServer, threadId: string, runId: string, want: string[]) {
  return pollUntil(
    async () => {
      const run = await server.client.runs.get(threadId, runId);
      return want.includes(run.status) ? run.status : undefined;
    },
    `run ${runId} to be ${want.join(" or ")}`,
  );
}

describe.each(BACKENDS)("runs (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { graphs: { ...testGraphs, gated } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("wait returns the final values and records the run as success", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const values = await client.runs.wait(thread.thread_id, "simple", { input: { messages: ["x"] } });
    expect(values).toEqual({ messages: ["x", "a", "b"], count: 2 });
    const runs = await client.runs.list(thread.thread_id);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe("success");
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("streams metadata first, then values and updates, with ids 0,1,2…", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const res = await fetch(`${server.url}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "simple", input: {}, stream_mode: ["values", "updates"] }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("content-location")).toMatch(new RegExp(`/threads/${thread.thread_id}/runs/`));
    const text = await res.text();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(ids.map((_, i) => i));
    const events = await collect(client.runs.stream(thread.thread_id, "simple", { input: {}, streamMode: ["values", "updates"] }));
    expect(events[0].event).toBe("metadata");
    expect((events[0].data as { run_id: string }).run_id).toMatch(/-/);
    expect(events.filter((e) => e.event === "updates").map((e) => Object.keys(e.data as object)[0])).toEqual(["a", "b"]);
    expect(events.filter((e) => e.event === "values").at(-1)?.data).toMatchObject({ count: 4 });
  });

  it("streams custom events, debug, tasks and checkpoints modes", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const events = await collect(
      client.runs.stream(thread.thread_id, "custom", { input: { count: 5 }, streamMode: ["custom", "debug", "tasks", "checkpoints"] }),
    );
    expect(events.filter((e) => e.event === "custom").map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
    const debug = events.filter((e) => e.event === "debug").map((e) => (e.data as { type: string }).type);
    expect(debug).toContain("checkpoint");
    expect(events.some((e) => e.event === "tasks")).toBe(true);
    const checkpoints = events.filter((e) => e.event === "checkpoints").map((e) => e.data as { values: unknown; next: string[] });
    expect(checkpoints.at(-1)?.next).toEqual([]);
  });

  it("names subgraph events mode|ns with stream_subgraphs", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const events = await collect(client.runs.stream(thread.thread_id, "nested", { input: {}, streamMode: ["updates"], streamSubgraphs: true }));
    const names = events.map((e) => e.event);
    expect(names).toContain("updates");
    expect(names.some((n) => /^updates\|child:[0-9a-f-]+$/.test(n))).toBe(true);
  });

  it("streams the events mode from the graph's callbacks", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const events = await collect(client.runs.stream(thread.thread_id, "simple", { input: {}, streamMode: ["events"] }));
    const kinds = events.filter((e) => e.event === "events").map((e) => (e.data as { event: string }).event);
    expect(kinds).toContain("on_chain_start");
    expect(kinds).toContain("on_chain_end");
  });

  it("interrupts, shows the interrupt, and resumes with a command", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const first = await client.runs.wait(thread.thread_id, "approval", { input: {} });
    expect(first).toMatchObject({ __interrupt__: [{ value: { question: "approve?" } }] });
    const waiting = await client.threads.get(thread.thread_id);
    expect(waiting.status).toBe("interrupted");
    expect(Object.values(waiting.interrupts ?? {}).flat()).toEqual([expect.objectContaining({ value: { question: "approve?" } })]);
    const state = await client.threads.getState<State>(thread.thread_id);
    expect(state.next).toEqual(["review"]);
    expect(state.tasks[0].interrupts[0].value).toEqual({ question: "approve?" });
    const done = await client.runs.wait(thread.thread_id, "approval", { command: { resume: "yes" } });
    expect((done as State).messages).toEqual(["draft", "review:yes", "published"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("honours interrupt_before and continues with a null input", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "simple", { input: {}, interruptBefore: ["b"] });
    expect((await client.threads.getState(thread.thread_id)).next).toEqual(["b"]);
    const values = await client.runs.wait(thread.thread_id, "simple", { input: null });
    expect((values as State).messages).toEqual(["a", "b"]);
  });

  it("forks from an earlier checkpoint, leaving the original history intact", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "simple", { input: { messages: ["first"] } });
    const history = await client.threads.getHistory<State>(thread.thread_id);
    const afterA = history.find((h) => h.next[0] === "b");
    expect(afterA).toBeDefined();
    const forked = await client.runs.wait(thread.thread_id, "simple", { input: null, checkpointId: afterA?.checkpoint.checkpoint_id as string });
    expect((forked as State).messages).toEqual(["first", "a", "b"]);
    const after = await client.threads.getHistory<State>(thread.thread_id, { limit: 100 });
    // The branch starts at the chosen checkpoint; the first branch survives.
    expect(after.length).toBeGreaterThan(history.length);
    const ids = new Set(after.map((h) => h.checkpoint.checkpoint_id));
    for (const h of history) expect(ids.has(h.checkpoint.checkpoint_id)).toBe(true);
    const byId = new Map(after.map((h) => [h.checkpoint.checkpoint_id, h]));
    let cursor = after[0];
    const chain: string[] = [];
    while (cursor?.parent_checkpoint) {
      chain.push(cursor.parent_checkpoint.checkpoint_id as string);
      cursor = byId.get(cursor.parent_checkpoint.checkpoint_id) as typeof cursor;
    }
    expect(chain).toContain(afterA?.checkpoint.checkpoint_id);
    expect(chain).not.toContain(history[0].checkpoint.checkpoint_id);
  });

  it("records errors: an error event, run status error, thread status error", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const events = await collect(client.runs.stream(thread.thread_id, "failing", { input: {} }));
    const error = events.find((e) => e.event === "error");
    expect(error?.data).toEqual({ error: "CustomFailure", message: "Boo!" });
    const [run] = await client.runs.list(thread.thread_id);
    expect(run.status).toBe("error");
    expect((await client.threads.get(thread.thread_id)).status).toBe("error");
    await expect(client.runs.wait(thread.thread_id, "failing", { input: {} })).rejects.toThrow(/Boo!/);
  });

  it("multitask reject answers 422 while a run is active", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 } });
    await expect(client.runs.create(thread.thread_id, "slow", { input: {}, multitaskStrategy: "reject" })).rejects.toThrow("HTTP 422");
    await client.runs.cancel(thread.thread_id, run.run_id, true);
  });

  it("multitask interrupt stops the first run and runs the second", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000, messages: ["one"] } });
    await waitStatus(server, thread.thread_id, first.run_id, ["running"]);
    const second = await client.runs.create(thread.thread_id, "simple", { input: { messages: ["two"] }, multitaskStrategy: "interrupt" });
    expect(await waitStatus(server, thread.thread_id, second.run_id, ["success"])).toBe("success");
    expect((await client.runs.get(thread.thread_id, first.run_id)).status).toBe("interrupted");
  });

  it("multitask rollback deletes the first run and its checkpoints", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000, messages: ["one"] } });
    await waitStatus(server, thread.thread_id, first.run_id, ["running"]);
    const second = await client.runs.create(thread.thread_id, "simple", { input: { messages: ["two"] }, multitaskStrategy: "rollback" });
    await waitStatus(server, thread.thread_id, second.run_id, ["success"]);
    await expect(client.runs.get(thread.thread_id, first.run_id)).rejects.toThrow("HTTP 404");
    const state = await client.threads.getState<State>(thread.thread_id);
    expect(state.values.messages).toEqual(["two", "a", "b"]);
    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(history.every((h) => h.metadata?.run_id !== first.run_id)).toBe(true);
  });

  it("multitask enqueue runs both, in order", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 300, messages: ["one"] } });
    const second = await client.runs.create(thread.thread_id, "simple", { input: { messages: ["two"] }, multitaskStrategy: "enqueue" });
    await waitStatus(server, thread.thread_id, second.run_id, ["success"]);
    expect((await client.runs.get(thread.thread_id, first.run_id)).status).toBe("success");
    const state = await client.threads.getState<State>(thread.thread_id);
    expect(state.values.messages).toEqual(["one", "worked", "after", "two", "a", "b"]);
  });

  it("cancels a running run (interrupt) and waits for it", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 } });
    await waitStatus(server, thread.thread_id, run.run_id, ["running"]);
    // The graph would sleep for 10 minutes: the cancel returning at all (within
    // the test's timeout) with the run interrupted shows it did not wait it out.
    await client.runs.cancel(thread.thread_id, run.run_id, true, "interrupt");
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
    expect((await client.threads.get(thread.thread_id)).status).not.toBe("busy");
  });

  it("joins a run, and replays a resumable stream from Last-Event-ID", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "custom", { input: { count: 4 }, streamMode: ["custom"], streamResumable: true });
    const joined = await client.runs.join(thread.thread_id, run.run_id);
    expect(joined).toMatchObject({ messages: ["emitted"] });
    const replay = await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }));
    expect(replay[0].event).toBe("metadata");
    expect(replay.filter((e) => e.event === "custom").map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    const tail = await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "2" }));
    expect(tail.map((e) => e.data)).toEqual(replay.slice(3).map((e) => e.data));
  });

  it("runs stateless: wait, stream, and batch", async () => {
    const { client } = server;
    expect(await client.runs.wait(null, "simple", { input: { messages: ["s"] } })).toEqual({ messages: ["s", "a", "b"], count: 2 });
    const events = await collect(client.runs.stream(null, "simple", { input: {} }));
    expect(events[0].event).toBe("metadata");
    const res = await fetch(`${server.url}/runs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { assistant_id: "simple", input: {} },
        { assistant_id: "simple", input: {} },
      ]),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(2);
  });

  it("creates the thread with if_not_exists and starts a run after after_seconds", async () => {
    const { client } = server;
    const threadId = crypto.randomUUID();
    await expect(client.runs.wait(threadId, "simple", { input: {} })).rejects.toThrow("HTTP 404");
    const values = await client.runs.wait(threadId, "simple", { input: {}, ifNotExists: "create" });
    expect(values).toMatchObject({ count: 2 });
    // Lower bounds only: a busy machine can make the run later, never earlier.
    const requestedAt = Date.now();
    const run = await client.runs.create(threadId, "simple", { input: {}, afterSeconds: 1 });
    expect(Date.parse(run.created_at) - requestedAt).toBeGreaterThanOrEqual(1000);
    await waitStatus(server, threadId, run.run_id, ["success"]);
    const history = await client.threads.getHistory(threadId, { limit: 100 });
    const written = history.filter((h) => h.metadata?.run_id === run.run_id).map((h) => Date.parse(h.created_at ?? ""));
    expect(written.length).toBeGreaterThan(0);
    expect(Math.min(...written)).toBeGreaterThanOrEqual(Date.parse(run.created_at));
  });

  it("passes context and config to the graph and records run metadata in checkpoints", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "simple", { input: {}, metadata: { purpose: "audit" } });
    const history = await client.threads.getHistory(thread.thread_id, { metadata: { purpose: "audit" } });
    expect(history.length).toBe(4);
    const run = (await client.runs.list(thread.thread_id))[0];
    expect(run.metadata).toMatchObject({ purpose: "audit" });
  });

  it("calls the webhook with the finished run", async () => {
    const { createServer } = await import("node:http");
    const received: Array<{ run_id: string; status: string }> = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (hook.address() as { port: number }).port;
      const thread = await server.client.threads.create();
      const run = await server.client.runs.create(thread.thread_id, "simple", { input: {}, webhook: `http://127.0.0.1:${port}/hook` });
      await pollUntil(() => received.length > 0, "the webhook call");
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ run_id: run.run_id, status: "success" });
    } finally {
      hook.close();
    }
  });

  it("cancels many runs with POST /runs/cancel", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 } });
    const second = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 }, multitaskStrategy: "enqueue" });
    await waitStatus(server, thread.thread_id, first.run_id, ["running"]);
    const res = await fetch(`${server.url}/runs/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_id: thread.thread_id, status: "all" }),
    });
    expect(res.status).toBe(204);
    expect(await waitStatus(server, thread.thread_id, first.run_id, ["interrupted"])).toBe("interrupted");
    expect(await waitStatus(server, thread.thread_id, second.run_id, ["interrupted"])).toBe("interrupted");
  });

  it("cancels only the pending runs of a thread with status pending, and cancel?wait=true returns once the run ended", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const running = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 } });
    const queued = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 }, multitaskStrategy: "enqueue" });
    const later = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 600_000 }, multitaskStrategy: "enqueue" });
    await waitStatus(server, thread.thread_id, running.run_id, ["running"]);
    const res = await fetch(`${server.url}/runs/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_id: thread.thread_id, run_ids: [queued.run_id] }),
    });
    expect(res.status).toBe(204);
    expect((await client.runs.get(thread.thread_id, queued.run_id)).status).toBe("interrupted");
    const pendingOnly = await fetch(`${server.url}/runs/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_id: thread.thread_id, status: "pending" }),
    });
    expect(pendingOnly.status).toBe(204);
    expect((await client.runs.get(thread.thread_id, later.run_id)).status).toBe("interrupted");
    expect((await client.runs.get(thread.thread_id, running.run_id)).status).toBe("running");
    const waited = await fetch(`${server.url}/threads/${thread.thread_id}/runs/${running.run_id}/cancel?wait=true`, { method: "POST" });
    expect(waited.status).toBe(204);
    expect((await client.runs.get(thread.thread_id, running.run_id)).status).toBe("interrupted");
    const unknown = await fetch(`${server.url}/runs/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_id: thread.thread_id, run_ids: [running.run_id, "00000000-0000-4000-8000-000000000000"] }),
    });
    expect(unknown.status).toBe(404);
  });

  it("keeps a stateless run's thread with on_completion keep, and deletes it by default", async () => {
    const { client } = server;
    // The SDK types on_completion as "complete" | "continue"; servers take "delete" | "keep".
    const kept = await client.runs.create(null, "simple", { input: {}, onCompletion: "keep" as unknown as "complete" });
    await client.runs.join(kept.thread_id, kept.run_id);
    expect((await client.threads.getState<State>(kept.thread_id)).values.count).toBe(2);
    const temporary = await client.runs.create(null, "simple", { input: {} });
    await pollUntil(
      () =>
        client.threads.get(temporary.thread_id).then(
          () => false,
          () => true,
        ),
      "the temporary thread to be deleted",
    );
    await expect(client.threads.get(temporary.thread_id)).rejects.toThrow("HTTP 404");
  });

  it("joins the thread's active run with GET /threads/{id}/stream", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    // The run waits at a gate until the join is attached, so it cannot end first.
    const gate = createGate();
    threadGates.set(thread.thread_id, gate);
    const run = await client.runs.create(thread.thread_id, "gated", { input: { count: 3 }, streamMode: ["custom"], streamResumable: true });
    await gate.reached;
    const stream = client.threads.joinStream(thread.thread_id, { lastEventId: "-1" })[Symbol.asyncIterator]();
    const events = [(await stream.next()).value];
    gate.open();
    for (let next = await stream.next(); !next.done; next = await stream.next()) events.push(next.value);
    expect(events[0].event).toBe("metadata");
    expect(events.filter((e) => e.event === "custom").map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  });

  it("deletes a run", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "simple", { input: {} });
    await client.runs.join(thread.thread_id, run.run_id);
    await client.runs.delete(thread.thread_id, run.run_id);
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
  });

  it("resumes with Command from the SDK type", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "approval", { input: {} });
    const command: Command = { resume: "ok", update: { count: 10 } };
    const done = (await client.runs.wait(thread.thread_id, "approval", { command })) as State;
    expect(done.messages.at(-1)).toBe("published");
    expect(done.count).toBe(10);
  });
});
