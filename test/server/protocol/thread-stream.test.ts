// The streaming protocol (v2) through the real SDK ThreadStream, over SSE and
// WebSocket, on the memory backend: values, updates, messages token by token,
// tool calls, interrupts, subgraphs, fork, multitask strategies, and the one
// run model shared with the classic API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { v7 as uuid7 } from "uuid";
import { ProtocolError } from "@langchain/langgraph-sdk";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { protocolGraphs, REPLY, REPLY_TOKENS } from "../../fixtures/protocol-graphs.ts";
import { command, isRootTerminal, openThread, readSse, started, takeUntil, TRANSPORTS, type WireEvent } from "./support.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer("memory", { graphs: protocolGraphs });
});
afterAll(async () => {
  await server?.close();
});

type Msg = { type?: string; content?: unknown };
/** The text of a message's content, a string or content blocks (the v3 stream writes blocks). */
const textOf = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((b: { text?: string }) => b.text ?? "").join("") : "";
const lastMessage = (values: unknown) => {
  const messages = (values as { messages: Msg[] }).messages;
  const last = messages[messages.length - 1];
  return { type: last.type, content: textOf(last.content) };
};

describe.each(TRANSPORTS)("ThreadStream over %s", (transport) => {
  it("streams values and updates, and thread.values resolves to the final state", async () => {
    const thread = openThread(server.client, "chat", transport);
    const updates = await thread.subscribe({ channels: ["updates"] });
    await thread.run.start({ input: { messages: [{ type: "human", content: "hi" }] } });
    const final = await thread.values;
    expect(lastMessage(final)).toMatchObject({ content: REPLY });
    const [update] = await takeUntil(updates, () => true);
    expect(update.params).toMatchObject({ namespace: [], node: "model" });
    expect(lastMessage(update.params.data)).toMatchObject({ content: REPLY });
    await thread.close();
  });

  it("streams a chat model's message token by token", async () => {
    const thread = openThread(server.client, "chat", transport);
    const messages = await thread.subscribe({ channels: ["messages"] });
    await thread.run.start({ input: { messages: [{ type: "human", content: "hi" }] } });
    const events = await takeUntil(messages, (e) => (e.params.data as { event: string }).event === "message-finish");
    const data = events.map((e) => e.params.data as { event: string; id?: string; delta?: { type: string; text?: string } });
    expect(data[0]).toMatchObject({ event: "message-start", id: expect.any(String) });
    const deltas = data.filter((d) => d.event === "content-block-delta").map((d) => d.delta?.text);
    expect(deltas).toEqual(REPLY_TOKENS);
    // One level below the root: the node's task, as useStream subscribes (depth 1).
    expect(events[0].params.namespace).toEqual([expect.stringMatching(/^model:/)]);
    await thread.close();
  });

  it("assembles messages: thread.messages yields a handle whose text is the reply", async () => {
    const thread = openThread(server.client, "chat", transport);
    const collecting = takeUntil(thread.messages, () => true);
    await thread.run.start({ input: { messages: [{ type: "human", content: "hi" }] } });
    const [handle] = await collecting;
    expect(await handle.text).toBe(REPLY);
    await thread.close();
  });

  it("assembles tool calls with their output", async () => {
    const thread = openThread(server.client, "toolAgent", transport);
    // Iterating before the run starts, as a UI does.
    const collecting = takeUntil(thread.toolCalls, () => true);
    await thread.run.start({ input: { messages: [{ type: "human", content: "weather in Paris?" }] } });
    const [call] = await collecting;
    expect(call).toMatchObject({ name: "weather", callId: "call_weather_1" });
    const input = typeof call.input === "string" ? JSON.parse(call.input) : call.input;
    expect(input).toEqual({ city: "Paris" });
    await expect(call.output).resolves.toBeDefined();
    // The final state from the server, not `await thread.values`: this thread
    // subscribed to tools before the run, so that subscription receives the
    // root terminal live, and the SDK pauses every subscription registered
    // before it one macrotask later (#scheduleTerminalPause). A run that ends
    // before the values subscription's replay is read (a loaded machine) left
    // `thread.values` resolving undefined.
    const state = await server.client.threads.getState(thread.threadId);
    expect(lastMessage(state.values)).toMatchObject({ content: "Sunny." });
    await thread.close();
  });

  it("surfaces an interrupt and resumes with input.respond", async () => {
    const thread = openThread(server.client, "ask", transport);
    const input = await thread.subscribe({ channels: ["input", "lifecycle"] });
    await thread.run.start({ input: { messages: [{ type: "human", content: "hi" }] } });
    const events = await takeUntil(input, (e) => isRootTerminal(e));
    const requested = events.find((e) => e.method === "input.requested");
    const data = requested?.params.data as { interrupt_id: string; payload: unknown };
    expect(data.payload).toEqual({ question: "What is your name?" });
    expect((events[events.length - 1].params.data as { event: string }).event).toBe("interrupted");
    const state = await server.client.threads.getState(thread.threadId);
    expect(state.tasks[0].interrupts[0]).toMatchObject({ id: data.interrupt_id });

    await thread.input.respond({ namespace: [], interrupt_id: data.interrupt_id, response: "Ada" });
    await expect.poll(async () => (await server.client.threads.get(thread.threadId)).status, { timeout: 20_000 }).toBe("idle");
    const after = await server.client.threads.getState(thread.threadId);
    expect(lastMessage(after.values)).toMatchObject({ content: "Hello Ada" });
    await thread.close();
  });

  it("filters subgraph events by namespace and depth", async () => {
    const thread = openThread(server.client, "deep", transport);
    const childOnly = await thread.subscribe({ channels: ["values"], namespaces: [["child"]], depth: 0 });
    const childAndBelow = await thread.subscribe({ channels: ["values"], namespaces: [["child"]], depth: 1 });
    const everything = await thread.subscribe({ channels: ["values", "lifecycle"] });
    await thread.run.start({ input: { trail: ["start"] } });
    await takeUntil(everything, (e) => isRootTerminal(e));
    const depths = async (sub: AsyncIterable<{ params: { namespace: string[] } }>, last: number) =>
      (await takeUntil(sub, (_e, all) => all.filter((x) => x.params.namespace.length === last).length >= 1 && all.length >= 2)).map(
        (e) => e.params.namespace,
      );
    const onlyChild = await depths(childOnly, 1);
    expect(onlyChild.every((ns) => ns.length === 1 && ns[0].startsWith("child:"))).toBe(true);
    const below = await depths(childAndBelow, 2);
    expect(below.some((ns) => ns.length === 2 && ns[1].startsWith("grand:"))).toBe(true);
    expect(below.every((ns) => ns[0].startsWith("child:"))).toBe(true);
    const { tree } = await thread.agent.getTree();
    expect(tree).toMatchObject({
      graph_name: "deep",
      children: [
        {
          namespace: [expect.stringMatching(/^child:/)],
          children: [{ namespace: [expect.stringMatching(/^child:/), expect.stringMatching(/^grand:/)] }],
        },
      ],
    });
    await thread.close();
  });

  it("forks from a checkpoint (forkFrom)", async () => {
    const thread = openThread(server.client, "simple", transport);
    await thread.run.start({ input: { messages: ["x"] } });
    await thread.values;
    await thread.close();
    const history = await server.client.threads.getHistory(thread.threadId, { limit: 100 });
    const root = history[history.length - 1];
    const forked = openThread(server.client, "simple", transport, thread.threadId);
    await forked.run.start({ input: { messages: ["y"] }, forkFrom: root.checkpoint.checkpoint_id as string });
    const final = (await forked.values) as { messages: string[] };
    // From the root (empty) checkpoint: the first run's messages are not there.
    expect(final.messages).toEqual(["y", "a", "b"]);
    const after = await server.client.threads.getHistory(thread.threadId, { limit: 100 });
    expect(after.filter((s) => s.parent_checkpoint?.checkpoint_id === root.checkpoint.checkpoint_id).length).toBeGreaterThanOrEqual(2);
    await forked.close();
    // The fork point is the run's, not the thread's: the next run continues from the fork's end.
    const next = openThread(server.client, "simple", transport, thread.threadId);
    await next.run.start({ input: { messages: ["z"] } });
    expect(((await next.values) as { messages: string[] }).messages).toEqual(["y", "a", "b", "z", "a", "b"]);
    await next.close();
  });

  it("reads state and checkpoints, forks with state.fork, and injects a message", async () => {
    const thread = openThread(server.client, "simple", transport);
    await thread.run.start({ input: { messages: ["s"] } });
    await thread.values;
    const state = await thread.state.get({ namespace: [], keys: ["messages"] });
    expect(state.values).toEqual({ messages: ["s", "a", "b"] });
    expect(state.checkpoint?.id).toMatch(/^[0-9a-f-]{36}$/);
    const { checkpoints } = await thread.state.listCheckpoints({ limit: 10 });
    expect(checkpoints.length).toBeGreaterThanOrEqual(3);
    expect(checkpoints[0]).toMatchObject({ id: state.checkpoint?.id, step: expect.any(Number), timestamp: expect.any(String) });
    // Fork from the checkpoint after node a: b runs again on ["s", "a"].
    const afterA = checkpoints.find((c) => c.node_name === "b");
    expect(afterA).toBeDefined();
    const forked = await thread.state.fork({ checkpoint_id: afterA!.id });
    expect(forked).toMatchObject({ run_id: expect.any(String), thread_id: thread.threadId });
    await server.client.runs.join(thread.threadId, forked.run_id);
    expect((await server.client.threads.getState<{ messages: string[] }>(thread.threadId)).values.messages).toEqual(["s", "a", "b"]);
    await thread.close();

    const chat = openThread(server.client, "chat", transport);
    await chat.run.start({ input: { messages: [{ type: "human", content: "hi" }] } });
    await chat.values;
    await chat.input.inject({ namespace: [], message: { role: "user", content: "injected" } });
    const after = await server.client.threads.getState<{ messages: Array<{ type: string; content: unknown }> }>(chat.threadId);
    expect(after.values.messages.at(-1)).toMatchObject({ type: "human", content: "injected" });
    await chat.close();
  });

  it("is an ordinary run: listed and joinable through the classic API", async () => {
    const thread = openThread(server.client, "simple", transport);
    const { run_id } = await started(thread.run.start({ input: { messages: ["p"] } }));
    await server.client.runs.join(thread.threadId, run_id);
    expect((await server.client.runs.get(thread.threadId, run_id)).status).toBe("success");
    expect((await server.client.runs.list(thread.threadId)).map((r) => r.run_id)).toContain(run_id);
    await thread.close();
  });
});

describe("classic runs on protocol streams", () => {
  it("a run created with the classic API streams values and lifecycle to a protocol stream", async () => {
    const thread = await server.client.threads.create();
    const controller = new AbortController();
    const reading = readSse(server.url, thread.thread_id, { channels: ["values", "lifecycle", "updates"] }, (e) => isRootTerminal(e), {
      signal: controller.signal,
    });
    const run = await server.client.runs.create(thread.thread_id, "simple", { input: { messages: ["c"] }, streamMode: ["updates"] });
    const events = await reading;
    expect(events[0].params.data).toMatchObject({ event: "running", run_id: run.run_id });
    expect(events.filter((e) => e.method === "updates").map((e) => e.params.node)).toEqual(["a", "b"]);
    expect(events.filter((e) => e.method === "values").pop()?.params.data).toMatchObject({ messages: ["c", "a", "b"] });
    expect(events[events.length - 1].params.data).toMatchObject({ event: "completed", run_id: run.run_id });
  });
});

describe("multitask strategies on run.start", () => {
  const slowInput = { messages: ["s"], sleep: 1500 };

  it("reject refuses a second run while one is in progress", async () => {
    const thread = openThread(server.client, "slow", "sse");
    const first = await started(thread.run.start({ input: slowInput }));
    const error = await thread.run.start({ input: { messages: ["t"] }, multitaskStrategy: "reject" } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe("invalid_argument");
    await server.client.runs.join(thread.threadId, first.run_id);
    await thread.close();
  });

  it.each(["interrupt", "rollback"] as const)("%s cancels the run in progress", async (strategy) => {
    const thread = openThread(server.client, "slow", "sse");
    const first = await started(thread.run.start({ input: slowInput }));
    await expect.poll(async () => (await server.client.runs.get(thread.threadId, first.run_id)).status, { timeout: 20_000 }).toBe("running");
    const second = await started(thread.run.start({ input: { messages: ["t"], sleep: 0 }, multitaskStrategy: strategy } as never));
    await server.client.runs.join(thread.threadId, second.run_id);
    expect((await server.client.runs.get(thread.threadId, second.run_id)).status).toBe("success");
    if (strategy === "interrupt") expect((await server.client.runs.get(thread.threadId, first.run_id)).status).toBe("interrupted");
    else await expect(server.client.runs.get(thread.threadId, first.run_id)).rejects.toThrow(/404/);
    await thread.close();
  });

  it("enqueue (the default) runs both, in order", async () => {
    const thread = openThread(server.client, "slow", "sse");
    const first = await started(thread.run.start({ input: { messages: ["1"], sleep: 300 } }));
    const second = await started(thread.run.start({ input: { messages: ["2"], sleep: 0 } }));
    await server.client.runs.join(thread.threadId, second.run_id);
    expect((await server.client.runs.get(thread.threadId, first.run_id)).status).toBe("success");
    const state = await server.client.threads.getState<{ messages: string[] }>(thread.threadId);
    expect(state.values.messages).toEqual(["1", "worked", "after", "2", "worked", "after"]);
    await thread.close();
  });
});

describe("queued runs", () => {
  it("a queued run cancelled before it starts still ends its stream", async () => {
    const thread = openThread(server.client, "slow", "sse");
    const first = await started(thread.run.start({ input: { messages: ["1"], sleep: 3000 } }));
    const second = await started(thread.run.start({ input: { messages: ["2"], sleep: 0 } }));
    const reading = readSse(server.url, thread.threadId, { channels: ["lifecycle"] }, (e) => isRootTerminal(e));
    await server.client.runs.cancel(thread.threadId, second.run_id);
    const events = await reading;
    expect(events[events.length - 1].params.data).toMatchObject({ event: "interrupted", run_id: second.run_id });
    // The stream opened after run.start watched the latest run, not its predecessor.
    expect(events.every((e) => e.params.data.run_id !== first.run_id)).toBe(true);
    await server.client.runs.join(thread.threadId, first.run_id);
    await thread.close();
  });
});

describe("interrupts over raw commands", () => {
  it("input.respond takes the batch form, with an update applied in the same step", async () => {
    const threadId = uuid7();
    await command(server.url, threadId, 1, "run.start", { assistant_id: "ask", input: { messages: [{ type: "human", content: "hi" }] } });
    const events = await readSse(server.url, threadId, { channels: ["input", "lifecycle"] }, (e) => isRootTerminal(e));
    const requested = events.find((e) => e.method === "input.requested");
    const interruptId = requested?.params.data.interrupt_id as string;
    const answer = await command(server.url, threadId, 2, "input.respond", {
      responses: [{ namespace: [], interrupt_id: interruptId, response: "Bo" }],
      update: { messages: [{ type: "human", content: "a note" }] },
    });
    expect(answer.body).toMatchObject({ type: "success", id: 2, result: { run_id: expect.any(String) } });
    await server.client.runs.join(threadId, (answer.body.result as { run_id: string }).run_id);
    const state = await server.client.threads.getState<{ messages: Array<{ content: unknown }> }>(threadId);
    expect(state.values.messages.map((m) => m.content)).toEqual(["hi", "a note", "Hello Bo"]);
    // Answered: the thread waits on nothing, so another answer is refused.
    const again = await command(server.url, threadId, 3, "input.respond", { interrupt_id: interruptId, response: "x" });
    expect(again.body).toMatchObject({ type: "error", error: "invalid_argument" });
  });

  it("input.respond with an interrupt id the thread does not wait on is no_such_interrupt", async () => {
    const threadId = uuid7();
    await command(server.url, threadId, 1, "run.start", { assistant_id: "ask", input: { messages: [{ type: "human", content: "hi" }] } });
    await readSse(server.url, threadId, { channels: ["lifecycle"] }, (e) => isRootTerminal(e));
    const res = await command(server.url, threadId, 2, "input.respond", { interrupt_id: "not-this-one", response: "x" });
    expect(res.body).toMatchObject({ type: "error", error: "no_such_interrupt" });
  });
});

describe("event ids and replay", () => {
  it("numbers events across the thread's runs and replays after `since`", async () => {
    const threadId = uuid7();
    const start = async (input: unknown) => {
      const r = await command(server.url, threadId, 1, "run.start", { assistant_id: "simple", input });
      expect(r.body).toMatchObject({ type: "success", result: { run_id: expect.any(String) } });
      return (r.body.result as { run_id: string }).run_id;
    };
    const first = await start({ messages: ["1"] });
    const one = await readSse(server.url, threadId, { channels: ["values", "lifecycle"] }, (e) => isRootTerminal(e));
    await server.client.runs.join(threadId, first);
    const second = await start({ messages: ["2"] });
    await server.client.runs.join(threadId, second);
    const two = await readSse(server.url, threadId, { channels: ["values", "lifecycle"] }, (e) => isRootTerminal(e));
    const seqs = [...one, ...two].map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(two[0].seq).toBeGreaterThan(one[one.length - 1].seq);
    for (const e of [...one, ...two]) expect(e.event_id).toBe(String(e.seq));

    // A dropped connection resumes with since: the rest, exactly once.
    const cut = one[1].seq;
    const resumed = await readSse(
      server.url,
      threadId,
      { channels: ["values", "lifecycle"], since: cut },
      (e, all) => isRootTerminal(e) && all.filter(isRootTerminal).length === 2,
    );
    expect(resumed[0].seq).toBeGreaterThan(cut);
    expect(resumed.map((e) => e.seq)).toEqual([...one, ...two].filter((e) => e.seq > cut).map((e) => e.seq));
  });

  it("keeps an SSE stream open across runs", async () => {
    const threadId = uuid7();
    const controller = new AbortController();
    const terminals: WireEvent[] = [];
    const reading = readSse(
      server.url,
      threadId,
      { channels: ["lifecycle"] },
      (e) => {
        if (isRootTerminal(e)) terminals.push(e);
        return terminals.length === 2;
      },
      { signal: controller.signal },
    );
    await command(server.url, threadId, 1, "run.start", { assistant_id: "simple", input: { messages: ["1"] } });
    await expect.poll(() => terminals.length, { timeout: 20_000 }).toBe(1);
    await command(server.url, threadId, 2, "run.start", { assistant_id: "simple", input: { messages: ["2"] } });
    await reading;
    expect(terminals.map((e) => e.params.data.event)).toEqual(["completed", "completed"]);
  });
});

void REPLY;
