// Multitask rollback and thread deletion against a checkpoint write still to
// come: an aborted graph stops being read at once, but LangGraph finishes its
// pending checkpoint writes in the background. A write landing after the
// delete would bring the run back into the thread's state, or leave
// checkpoints of a deleted thread behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Checkpoint, CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import { fenceRunWrites, recordRunMetadata } from "../../src/server/persistence/checkpoint-metadata.ts";
import { simple, slow } from "../fixtures/graphs.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class SlowSaver extends MemorySaver {
  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    await sleep(100);
    return super.put(config, checkpoint, metadata);
  }
}

const checkpoint = (id: string): Checkpoint => ({ v: 4, id, ts: new Date().toISOString(), channel_values: {}, channel_versions: {}, versions_seen: {} });
const metadata: CheckpointMetadata = { source: "loop", step: 0, parents: {} };
const config = (runId: string, threadId = "t1"): RunnableConfig => ({ configurable: { thread_id: threadId, checkpoint_ns: "", run_id: runId } });

describe("fenceRunWrites", () => {
  it("waits for the run's writes under way, then refuses its later ones; other runs write on", async () => {
    const saver = recordRunMetadata(new SlowSaver());
    let landed = false;
    const inFlight = saver.put(config("run-a"), checkpoint("00000000-0000-6000-8000-000000000001"), metadata, {}).then(() => (landed = true));
    await fenceRunWrites(saver, "run-a");
    expect(landed).toBe(true);
    await inFlight;

    await saver.put(config("run-a"), checkpoint("00000000-0000-6000-8000-000000000002"), metadata, {});
    await saver.putWrites({ configurable: { ...config("run-a").configurable, checkpoint_id: "00000000-0000-6000-8000-000000000001" } }, [["messages", "late"]], "task-1");
    const ids = [];
    for await (const t of saver.list({ configurable: { thread_id: "t1" } })) ids.push([t.checkpoint.id, t.pendingWrites?.length ?? 0]);
    expect(ids).toEqual([["00000000-0000-6000-8000-000000000001", 0]]);

    await saver.put(config("run-b"), checkpoint("00000000-0000-6000-8000-000000000003"), metadata, {});
    expect((await saver.getTuple({ configurable: { thread_id: "t1", checkpoint_ns: "" } }))?.checkpoint.id).toBe("00000000-0000-6000-8000-000000000003");
  });

  it("resolves at once for a saver it does not wrap, or a run with nothing under way", async () => {
    await fenceRunWrites(new MemorySaver(), "run-a");
    await fenceRunWrites(recordRunMetadata(new MemorySaver()), "run-z");
  });
});

describe("rollback and thread deletion while a run still has a checkpoint to write", () => {
  let server: TestServer;
  let delayedInputs = 0;
  beforeAll(async () => {
    server = await startTestServer("memory", { graphs: { simple, slow } });
    // Delay the server's input checkpoints by 400 ms, so the rollback lands
    // before the first run's first checkpoint does.
    const saver = server.app.context.persistence.checkpointer;
    const put = saver.put.bind(saver);
    saver.put = async (cfg, cp, md, versions) => {
      if (md.source === "input" && md.step === -1) {
        delayedInputs += 1;
        await sleep(400);
      }
      return put(cfg, cp, md, versions);
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  it("deletes every checkpoint of the rolled-back run, including one written late", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const before = delayedInputs;
    const first = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 3000, messages: ["one"] } });
    for (let i = 0; i < 200 && delayedInputs === before; i++) await sleep(5);
    expect(delayedInputs).toBe(before + 1);
    const second = await client.runs.create(thread.thread_id, "simple", { input: { messages: ["two"] }, multitaskStrategy: "rollback" });
    await client.runs.join(thread.thread_id, second.run_id);
    await sleep(600); // past the delayed write

    await expect(client.runs.get(thread.thread_id, first.run_id)).rejects.toThrow("HTTP 404");
    const state = await client.threads.getState<{ messages: string[] }>(thread.thread_id);
    expect(state.values.messages).toEqual(["two", "a", "b"]);
    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(history.length).toBeGreaterThan(0);
    expect(history.filter((h) => h.metadata?.run_id === first.run_id)).toEqual([]);
  });

  it("deleting a running run leaves none of its checkpoints, including one written late", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const before = delayedInputs;
    const run = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 3000 } });
    for (let i = 0; i < 200 && delayedInputs === before; i++) await sleep(5);
    expect(delayedInputs).toBe(before + 1);
    await client.runs.delete(thread.thread_id, run.run_id);
    await sleep(600); // past the delayed write
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(history.filter((h) => h.metadata?.run_id === run.run_id)).toEqual([]);
  });

  it("deleting a thread leaves none of its checkpoints, including one written late", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const before = delayedInputs;
    await client.runs.create(thread.thread_id, "slow", { input: { sleep: 3000 } });
    for (let i = 0; i < 200 && delayedInputs === before; i++) await sleep(5);
    expect(delayedInputs).toBe(before + 1);
    await client.threads.delete(thread.thread_id);
    await sleep(600); // past the delayed write
    const saver = server.app.context.persistence.checkpointer;
    expect(await saver.getTuple({ configurable: { thread_id: thread.thread_id } })).toBeUndefined();
    await expect(client.threads.get(thread.thread_id)).rejects.toThrow("HTTP 404");
  });
});
