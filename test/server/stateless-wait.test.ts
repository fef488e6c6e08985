// A run that ends before the request that created it looks it up again: a
// stateless run deletes its temporary thread, and with it its record, when it
// ends; any run's end carries values (an interrupt) the thread does not. The
// test holds the lookup until the run has ended, making that order certain.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approval, simple } from "../fixtures/graphs.ts";
import { BACKENDS, collect, startTestServer, type TestServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/wait.ts";

describe.each(BACKENDS)("a run ending before its request looks it up (%s)", (backend) => {
  let server: TestServer;
  /** Which run lookups to hold until the run has ended (none when undefined). */
  let hold: ((threadId: string | undefined) => boolean) | undefined;
  beforeAll(async () => {
    server = await startTestServer(backend, { graphs: { simple, approval } });
    const runs = server.app.context.persistence.metadata.runs;
    const get = runs.get.bind(runs);
    runs.get = async (runId, threadId) => {
      if (hold?.(threadId)) await pollUntil(() => server.app.context.engine.endedHere(runId) !== undefined, "the run to end");
      return get(runId, threadId);
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  async function holding<T>(which: (threadId: string | undefined) => boolean, body: () => Promise<T>): Promise<T> {
    hold = which;
    try {
      return await body();
    } finally {
      hold = undefined;
    }
  }

  it("stateless /runs/wait still answers the run's output", async () => {
    const output = await holding(
      (threadId) => threadId === undefined,
      () => server.client.runs.wait(null, "simple", { input: { messages: ["s"] } }),
    );
    expect(output).toEqual({ messages: ["s", "a", "b"], count: 2 });
  });

  it("stateless /runs/stream still streams every event", async () => {
    const events = await holding(
      (threadId) => threadId === undefined,
      () => collect(server.client.runs.stream(null, "simple", { input: { messages: ["s"] }, streamMode: ["values"] })),
    );
    expect(events.map((e) => e.event)).toEqual(["metadata", "values", "values", "values"]);
    expect(events.at(-1)?.data).toEqual({ messages: ["s", "a", "b"], count: 2 });
  });

  it("a thread's /runs/wait still answers the interrupt the run ended on", async () => {
    const thread = await server.client.threads.create();
    const output = await holding(
      (threadId) => threadId === thread.thread_id,
      () => server.client.runs.wait(thread.thread_id, "approval", { input: {} }),
    );
    expect(output).toMatchObject({ __interrupt__: [{ value: { question: "approve?" } }] });
  });

  it("answers 404 for a run of another thread all the same", async () => {
    const thread = await server.client.threads.create();
    await expect(server.client.runs.join(thread.thread_id, crypto.randomUUID())).rejects.toThrow("HTTP 404");
  });
});
