// Threads, state and history through the SDK Client, on both backends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";

type State = { messages: string[]; count: number };

describe.each(BACKENDS)("threads (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("creates, gets, patches metadata (merged) and deletes a thread", async () => {
    const { client } = server;
    const thread = await client.threads.create({ metadata: { owner: "ann" } });
    expect(thread.status).toBe("idle");
    expect((await client.threads.get(thread.thread_id)).metadata).toEqual({ owner: "ann" });
    const patched = await client.threads.update(thread.thread_id, { metadata: { tag: "t" } });
    expect(patched.metadata).toEqual({ owner: "ann", tag: "t" });
    await client.threads.delete(thread.thread_id);
    await expect(client.threads.get(thread.thread_id)).rejects.toThrow(`HTTP 404: Thread with ID ${thread.thread_id} not found`);
  });

  it("honours if_exists", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await expect(client.threads.create({ threadId: thread.thread_id })).rejects.toThrow("HTTP 409");
    const same = await client.threads.create({ threadId: thread.thread_id, ifExists: "do_nothing" });
    expect(same.thread_id).toBe(thread.thread_id);
  });

  it("searches by metadata, status, values and ids, sorts, pages and counts", async () => {
    const { client } = server;
    const tag = `search-${Date.now()}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await client.threads.create({ metadata: { tag, i } }));
    await client.runs.wait(made[0].thread_id, "simple", { input: {} });
    const all = await client.threads.search({ metadata: { tag }, sortBy: "created_at", sortOrder: "asc", limit: 10 });
    expect(all.map((t) => t.thread_id)).toEqual(made.map((t) => t.thread_id));
    const page = await client.threads.search({ metadata: { tag }, sortBy: "created_at", sortOrder: "asc", limit: 2, offset: 2 });
    expect(page.map((t) => t.thread_id)).toEqual(made.slice(2, 4).map((t) => t.thread_id));
    expect(await client.threads.count({ metadata: { tag } })).toBe(5);
    const byValues = await client.threads.search({ metadata: { tag }, values: { count: 2 } });
    expect(byValues.map((t) => t.thread_id)).toContain(made[0].thread_id);
    const byIds = await client.threads.search({ ids: [made[1].thread_id, made[3].thread_id] });
    expect(byIds.map((t) => t.thread_id).sort()).toEqual([made[1].thread_id, made[3].thread_id].sort());
    const res = await fetch(`${server.url}/threads/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ metadata: { tag }, limit: 2 }),
    });
    expect(res.headers.get("x-pagination-total")).toBe("5");
  });

  it("runs a graph, then shows state, history (newest first) and state at a checkpoint", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "simple", { input: { messages: ["in"] } });
    const state = await client.threads.getState<State>(thread.thread_id);
    expect(state.values).toEqual({ messages: ["in", "a", "b"], count: 2 });
    expect(state.next).toEqual([]);
    const history = await client.threads.getHistory<State>(thread.thread_id);
    expect(history.length).toBe(4);
    expect(history[0].checkpoint.checkpoint_id).toBe(state.checkpoint.checkpoint_id);
    expect(history.at(-1)?.next).toEqual(["__start__"]);
    const middle = history[1];
    const atCheckpoint = await client.threads.getState<State>(thread.thread_id, middle.checkpoint.checkpoint_id as string);
    expect(atCheckpoint.values).toEqual(middle.values);
    const limited = await client.threads.getHistory(thread.thread_id, { limit: 2 });
    expect(limited.length).toBe(2);
    const before = await client.threads.getHistory(thread.thread_id, {
      before: { configurable: { checkpoint_id: history[1].checkpoint.checkpoint_id } },
    });
    expect(before[0].checkpoint.checkpoint_id).toBe(history[2].checkpoint.checkpoint_id);
    const thread2 = await client.threads.get(thread.thread_id);
    expect(thread2.values).toEqual({ messages: ["in", "a", "b"], count: 2 });
    expect(thread2.metadata?.graph_id).toBe("simple");
  });

  it("updates state as a node, and answers 409 while a run is active", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "simple", { input: {} });
    const updated = await client.threads.updateState(thread.thread_id, { values: { messages: ["edited"] }, asNode: "b" });
    expect((updated as unknown as { checkpoint: unknown }).checkpoint).toBeDefined();
    const state = await client.threads.getState<State>(thread.thread_id);
    expect(state.values.messages.at(-1)).toBe("edited");
    const run = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 1500 } });
    await expect(client.threads.updateState(thread.thread_id, { values: { messages: ["x"] } })).rejects.toThrow("HTTP 409");
    await client.runs.cancel(thread.thread_id, run.run_id, true);
  });

  it("copies a thread with its checkpoints, independent of the source", async () => {
    const { client } = server;
    const thread = await client.threads.create({ metadata: { k: "v" } });
    await client.runs.wait(thread.thread_id, "simple", { input: {} });
    const copy = await client.threads.copy(thread.thread_id);
    expect(copy.thread_id).not.toBe(thread.thread_id);
    expect(copy.metadata?.k).toBe("v");
    const copied = await client.threads.getState<State>(copy.thread_id);
    expect(copied.values.messages).toEqual(["a", "b"]);
    expect((await client.threads.getHistory(copy.thread_id)).length).toBe(4);
    await client.threads.updateState(copy.thread_id, { values: { messages: ["only-in-copy"] } });
    expect((await client.threads.getState<State>(thread.thread_id)).values.messages).toEqual(["a", "b"]);
  });

  it("creates a thread from supersteps", async () => {
    const { client } = server;
    const thread = await client.threads.create({
      graphId: "simple",
      supersteps: [{ updates: [{ values: { messages: ["s1"] }, asNode: "a" }] }, { updates: [{ values: { messages: ["s2"] }, asNode: "b" }] }],
    });
    const state = await client.threads.getState<State>(thread.thread_id);
    expect(state.values.messages).toEqual(["s1", "s2"]);
  });

  it("deleting a thread removes its runs and checkpoints", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 2000 } });
    await client.threads.delete(thread.thread_id);
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    const cp = server.app.context.persistence.checkpointer;
    expect(await cp.getTuple({ configurable: { thread_id: thread.thread_id } })).toBeUndefined();
  });
});
