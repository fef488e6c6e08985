// The streaming protocol on PostgreSQL: a thread's events live in the shared
// log, so a client of one process follows a run another process executes,
// and after a restart a client replays what came before and answers the
// interrupt the run stopped on (the reference answers no_such_run there).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { v7 as uuid7 } from "uuid";
import { Client } from "@langchain/langgraph-sdk";
import { createApp, type SkeinoApp } from "../../../src/server/index.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { protocolGraphs, REPLY } from "../../fixtures/protocol-graphs.ts";
import { command, isRootTerminal, openThread, readSse, started, takeUntil, TRANSPORTS } from "./support.ts";

let db: TestDatabase;
const apps: SkeinoApp[] = [];

async function startProcess(): Promise<{ app: SkeinoApp; url: string; client: Client }> {
  const app = createApp({
    graphs: protocolGraphs,
    settings: { logLevel: "error", checkpointerScheme: "postgres", checkpointerUri: db.uri, pollIntervalMs: 200 },
  });
  apps.push(app);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url, client: new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } }) };
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await db?.drop();
});

const textOf = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((b: { text?: string }) => b.text ?? "").join("") : "";

describe("protocol on PostgreSQL", () => {
  let a: Awaited<ReturnType<typeof startProcess>>;
  let b: Awaited<ReturnType<typeof startProcess>>;
  beforeAll(async () => {
    a = await startProcess();
    b = await startProcess();
  });

  it.each(TRANSPORTS)("streams a chat run token by token over %s", async (transport) => {
    const thread = openThread(a.client, "chat", transport);
    const messages = await thread.subscribe({ channels: ["messages"] });
    await thread.run.start({ input: { messages: [{ type: "human", content: "hi" }] } });
    const events = await takeUntil(messages, (e) => (e.params.data as { event: string }).event === "message-finish");
    const text = events.map((e) => (e.params.data as { delta?: { text?: string } }).delta?.text ?? "").join("");
    expect(text).toBe(REPLY);
    const final = (await thread.values) as { messages: Array<{ content: unknown }> };
    expect(textOf(final.messages[final.messages.length - 1].content)).toBe(REPLY);
    await thread.close();
  });

  it.each(TRANSPORTS)("a client of one process follows a run started on another (%s)", async (transport) => {
    const threadId = uuid7();
    // Watcher on B, started before the thread exists anywhere.
    const controller = new AbortController();
    const watching = readSse(b.url, threadId, { channels: ["lifecycle", "values"], since: 0 }, (e) => isRootTerminal(e), {
      signal: controller.signal,
    });
    const thread = openThread(a.client, "simple", transport, threadId);
    const { run_id } = await started(thread.run.start({ input: { messages: ["x"] } }));
    const seen = await watching;
    expect(seen[0].params.data).toMatchObject({ event: "running", run_id });
    expect(seen[seen.length - 1].params.data).toMatchObject({ event: "completed", run_id });
    expect(seen.filter((e) => e.method === "values").pop()?.params.data).toMatchObject({ messages: ["x", "a", "b"] });
    // And B's ThreadStream sees A's next run.
    const onB = openThread(b.client, "simple", transport, threadId);
    const lifecycle = await onB.subscribe({ channels: ["lifecycle"] });
    const next = await started(thread.run.start({ input: { messages: ["y"] } }));
    await takeUntil(lifecycle, (e) => isRootTerminal(e) && (e.params.data as { run_id?: string }).run_id === next.run_id);
    await onB.close();
    await thread.close();
  });

  it("resumes an interrupted thread after a restart, and replays what came before", async () => {
    const first = await startProcess();
    const threadId = uuid7();
    await command(first.url, threadId, 1, "run.start", { assistant_id: "ask", input: { messages: [{ type: "human", content: "hi" }] } });
    const before = await readSse(first.url, threadId, { channels: ["input", "lifecycle"] }, (e) => isRootTerminal(e));
    const requested = before.find((e) => e.method === "input.requested");
    expect(before[before.length - 1].params.data, JSON.stringify(before[before.length - 1].params.data)).toMatchObject({ event: "interrupted" });
    await first.app.close();

    const second = await startProcess();
    // The history survived the restart: a new stream replays it.
    const replayed = await readSse(second.url, threadId, { channels: ["input", "lifecycle"], since: 0 }, (e) => isRootTerminal(e));
    expect(replayed.map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    const thread = openThread(second.client, "ask", "sse", threadId);
    await thread.input.respond({ namespace: [], interrupt_id: requested?.params.data.interrupt_id as string, response: "Ada" });
    const after = await readSse(second.url, threadId, { channels: ["lifecycle"], since: before[before.length - 1].seq }, (e) => isRootTerminal(e));
    expect(after[after.length - 1].params.data, JSON.stringify(after[after.length - 1].params.data)).toMatchObject({ event: "completed" });
    const state = await second.client.threads.getState<{ messages: Array<{ content: unknown }> }>(threadId);
    expect(textOf(state.values.messages[state.values.messages.length - 1].content)).toBe("Hello Ada");
    await thread.close();
  });
});
