// /runs/wait on a stateless run that ends before the request looks it up:
// the run deletes its temporary thread, and with it its record, when it ends.
// The test holds the lookup until the run has ended, making that order certain.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simple } from "../fixtures/graphs.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/wait.ts";

describe("stateless wait racing the run's end", () => {
  let server: TestServer;
  let holdStatelessLookups = false;
  beforeAll(async () => {
    server = await startTestServer("memory", { graphs: { simple } });
    const runs = server.app.context.persistence.metadata.runs;
    const get = runs.get.bind(runs);
    runs.get = async (runId, threadId) => {
      // Only the lookups of stateless runs (no thread id) are held.
      if (holdStatelessLookups && threadId === undefined) {
        await pollUntil(() => server.app.context.engine.endedHere(runId) !== undefined, "the stateless run to end");
      }
      return get(runId, threadId);
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  it("still answers the run's output", async () => {
    holdStatelessLookups = true;
    try {
      expect(await server.client.runs.wait(null, "simple", { input: { messages: ["s"] } })).toEqual({ messages: ["s", "a", "b"], count: 2 });
    } finally {
      holdStatelessLookups = false;
    }
  });

  it("answers 404 for a run of another thread all the same", async () => {
    const thread = await server.client.threads.create();
    await expect(server.client.runs.join(thread.thread_id, crypto.randomUUID())).rejects.toThrow("HTTP 404");
  });
});
