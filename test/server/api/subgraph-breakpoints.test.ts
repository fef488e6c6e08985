// Breakpoints on subgraph nodes ("child:inner_b", the xray drawing's names):
// the run pauses inside the subgraph, Continue resumes it there, and "*" per
// level steps one node at a time; on both backends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";
import { StateGraph, START, END } from "@langchain/langgraph";
import { SimpleState, testGraphs } from "../../fixtures/graphs.ts";

/** Two levels: deep -> mid (a subgraph) -> leaf (its subgraph) -> x, y. */
const leaf = new StateGraph(SimpleState)
  .addNode("x", () => ({ messages: ["x"] }))
  .addNode("y", () => ({ messages: ["y"] }))
  .addEdge(START, "x")
  .addEdge("x", "y")
  .addEdge("y", END)
  .compile();
const mid = new StateGraph(SimpleState).addNode("leaf", leaf).addEdge(START, "leaf").addEdge("leaf", END).compile();
const deep = new StateGraph(SimpleState).addNode("mid", mid).addEdge(START, "mid").addEdge("mid", END).compile();

type State = { messages: string[] };
type Snapshot = { next: string[]; tasks: Array<{ name: string; state?: Snapshot | null }> };

describe.each(BACKENDS)("subgraph breakpoints (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { graphs: { ...testGraphs, deep } });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function pausedInside(threadId: string): Promise<{ next: string[]; inner: string[] }> {
    const state = (await server.client.threads.getState(threadId, undefined, { subgraphs: true })) as unknown as Snapshot;
    const task = state.tasks.find((t) => t.name === "child");
    return { next: state.next, inner: task?.state?.next ?? [] };
  }

  it("pauses before a subgraph node and continues from there", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "nested", { input: { messages: ["x"] }, interruptBefore: ["child:inner_b"] });
    // The parent has not taken the subgraph's output yet; the subgraph has run inner_a only.
    expect(((await client.threads.getState(thread.thread_id)).values as State).messages).toEqual(["x", "outer"]);
    const inner = (await client.threads.getState(thread.thread_id, undefined, { subgraphs: true })).tasks[0]?.state as { values: State } | undefined;
    expect(inner?.values.messages).toEqual(["x", "outer", "inner_a"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    expect(await pausedInside(thread.thread_id)).toEqual({ next: ["child"], inner: ["inner_b"] });
    // Continue keeps the breakpoint set (as the Studio does): it does not pause at the same place again.
    const done = (await client.runs.wait(thread.thread_id, "nested", { input: null, interruptBefore: ["child:inner_b"] })) as State;
    expect(done.messages.slice(-2)).toEqual(["inner_a", "inner_b"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("pauses after a subgraph node", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "nested", { input: { messages: [] }, interruptAfter: ["child:inner_a"] });
    expect(await pausedInside(thread.thread_id)).toEqual({ next: ["child"], inner: ["inner_b"] });
    const done = (await client.runs.wait(thread.thread_id, "nested", { input: null, interruptAfter: ["child:inner_a"] })) as State;
    expect(done.messages.slice(-1)).toEqual(["inner_b"]);
  });

  it("steps one node at a time through the subgraph with '*' per level", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const step = ["*", "child:*"];
    await client.runs.wait(thread.thread_id, "nested", { input: { messages: [] }, interruptAfter: step });
    expect(await pausedInside(thread.thread_id)).toEqual({ next: ["child"], inner: [] });
    await client.runs.wait(thread.thread_id, "nested", { input: null, interruptAfter: step });
    expect(await pausedInside(thread.thread_id)).toEqual({ next: ["child"], inner: ["inner_b"] });
    const seen: string[][] = [];
    for (let i = 0; i < 4 && (await client.threads.get(thread.thread_id)).status === "interrupted"; i++) {
      await client.runs.wait(thread.thread_id, "nested", { input: null, interruptAfter: step });
      seen.push((await pausedInside(thread.thread_id)).next);
    }
    expect(seen.at(-1)).toEqual([]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("pauses two subgraph levels down ('mid:leaf:y')", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "deep", { input: { messages: [] }, interruptBefore: ["mid:leaf:y"] });
    const state = (await client.threads.getState(thread.thread_id, undefined, { subgraphs: true })) as unknown as Snapshot;
    const mid = state.tasks.find((t) => t.name === "mid")?.state;
    const inner = mid?.tasks.find((t) => t.name === "leaf")?.state;
    expect([state.next, mid?.next, inner?.next]).toEqual([["mid"], ["leaf"], ["y"]]);
    const done = (await client.runs.wait(thread.thread_id, "deep", { input: null })) as State;
    expect(done.messages).toContain("y");
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("fails the run when a subgraph has no node of the name given", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const events: unknown[] = [];
    for await (const e of client.runs.stream(thread.thread_id, "deep", { input: { messages: [] }, interruptBefore: ["mid:leaf:z"] })) events.push(e);
    expect(JSON.stringify(events)).toContain("A breakpoint names 'mid:leaf:z', but the subgraph 'mid:leaf' has no node 'z' (its nodes are 'x', 'y')");
  });

  it("leaves the shared graph alone: a run without breakpoints goes straight through", async () => {
    const { client } = server;
    const a = await client.threads.create();
    await client.runs.wait(a.thread_id, "nested", { input: { messages: [] }, interruptBefore: ["child:inner_a"] });
    const b = await client.threads.create();
    const done = (await client.runs.wait(b.thread_id, "nested", { input: { messages: [] } })) as State;
    expect(done.messages).toContain("inner_b");
    expect((await client.threads.get(b.thread_id)).status).toBe("idle");
  });

  it("fails the run with a clear error when the named parent is not a subgraph node", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "nested", { input: { messages: [] }, interruptBefore: ["outer:inner_a"] });
    await client.runs.join(thread.thread_id, run.run_id);
    const after = await client.runs.get(thread.thread_id, run.run_id);
    expect(after.status).toBe("error");
    const events: unknown[] = [];
    const again = client.runs.stream(thread.thread_id, "nested", { input: { messages: [] }, interruptBefore: ["outer:inner_a"] });
    for await (const e of again) events.push(e);
    expect(JSON.stringify(events)).toContain("'outer' is not a subgraph node added to its graph (its subgraph nodes are 'child')");
  });
});
