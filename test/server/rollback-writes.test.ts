// Multitask rollback and thread deletion against a checkpoint write still to
// come: an aborted graph stops being read at once, but LangGraph finishes its
// pending checkpoint writes in the background. A write landing after the
// delete would bring the run back into the thread's state, or leave
// checkpoints of a deleted thread behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseCheckpointSaver, Checkpoint, CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import { fenceRunWrites, instrumentSaver } from "../../src/server/persistence/instrumented-saver.ts";
import { simple, slow } from "../fixtures/graphs.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createGate, withCeiling, type Gate } from "../helpers/wait.ts";

/** A saver whose writes wait at `gate` while one is set: a write held under way. */
class GatedSaver extends MemorySaver {
  gate: Gate | undefined;
  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    await this.gate?.pass();
    return super.put(config, checkpoint, metadata);
  }
}

const checkpoint = (id: string): Checkpoint => ({
  v: 4,
  id,
  ts: new Date().toISOString(),
  channel_values: {},
  channel_versions: {},
  versions_seen: {},
});
const metadata: CheckpointMetadata = { source: "loop", step: 0, parents: {} };
const config = (runId: string, threadId = "t1"): RunnableConfig => ({ configurable: { thread_id: threadId, checkpoint_ns: "", run_id: runId } });

describe("fenceRunWrites", () => {
  it("waits for the run's writes under way, then refuses its later ones; other runs write on", async () => {
    const gated = new GatedSaver();
    const saver: BaseCheckpointSaver = gated;
    instrumentSaver(saver);
    const gate = (gated.gate = createGate());
    let landed = false;
    const inFlight = saver.put(config("run-a"), checkpoint("00000000-0000-6000-8000-000000000001"), metadata, {}).then(() => (landed = true));
    await withCeiling(gate.reached, "the write to be under way");
    gated.gate = undefined;
    let fenced = false;
    const fence = fenceRunWrites(saver, "run-a").then(() => (fenced = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fenced).toBe(false);
    gate.open();
    await withCeiling(fence, "the fence");
    expect(landed).toBe(true);
    await inFlight;

    await saver.put(config("run-a"), checkpoint("00000000-0000-6000-8000-000000000002"), metadata, {});
    await saver.putWrites(
      { configurable: { ...config("run-a").configurable, checkpoint_id: "00000000-0000-6000-8000-000000000001" } },
      [["messages", "late"]],
      "task-1",
    );
    const ids = [];
    for await (const t of saver.list({ configurable: { thread_id: "t1" } })) ids.push([t.checkpoint.id, t.pendingWrites?.length ?? 0]);
    expect(ids).toEqual([["00000000-0000-6000-8000-000000000001", 0]]);

    await saver.put(config("run-b"), checkpoint("00000000-0000-6000-8000-000000000003"), metadata, {});
    expect((await saver.getTuple({ configurable: { thread_id: "t1", checkpoint_ns: "" } }))?.checkpoint.id).toBe(
      "00000000-0000-6000-8000-000000000003",
    );
  });

  it("resolves at once for a saver it does not wrap, or a run with nothing under way", async () => {
    await fenceRunWrites(new MemorySaver(), "run-a");
    const instrumented = new MemorySaver();
    instrumentSaver(instrumented);
    await fenceRunWrites(instrumented, "run-z");
  });
});

describe("rollback and thread deletion while a run still has a checkpoint to write", () => {
  let server: TestServer;
  /** The input checkpoint of the next run waits here until the test has deleted what it deletes. */
  let inputGate: Gate | undefined;
  let inputWritten: Promise<void> = Promise.resolve();
  beforeAll(async () => {
    server = await startTestServer("memory", { graphs: { simple, slow } });
    // Hold the server's input checkpoint of the gated run before it reaches
    // the saver, so the delete lands before that write starts.
    const saver = server.app.context.persistence.checkpointer;
    const put = saver.put.bind(saver);
    saver.put = async (cfg, cp, md, versions) => {
      const gate = inputGate;
      if (!gate || !(md.source === "input" && md.step === -1)) return put(cfg, cp, md, versions);
      inputGate = undefined;
      let written!: () => void;
      inputWritten = new Promise((resolve) => (written = resolve));
      try {
        await gate.pass();
        return await put(cfg, cp, md, versions);
      } finally {
        written();
      }
    };
  });
  afterAll(async () => {
    inputGate?.open();
    await server?.close();
  });

  /** Starts a slow run whose input checkpoint is held at a gate; resolves once it is held. */
  async function startHeldRun(threadId: string, input: Record<string, unknown> = {}) {
    const gate = createGate();
    inputGate = gate;
    const run = await server.client.runs.create(threadId, "slow", { input: { sleep: 600_000, ...input } });
    await withCeiling(gate.reached, "the run's input checkpoint write");
    /** Lets the held write go on, and resolves once it has landed (or been refused). */
    const release = async () => {
      gate.open();
      await withCeiling(inputWritten, "the held write to finish");
    };
    return { run, release };
  }

  it("deletes every checkpoint of the rolled-back run, including one written late", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const { run: first, release } = await startHeldRun(thread.thread_id, { messages: ["one"] });
    const second = await client.runs.create(thread.thread_id, "simple", { input: { messages: ["two"] }, multitaskStrategy: "rollback" });
    await client.runs.join(thread.thread_id, second.run_id);
    await release();

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
    const { run, release } = await startHeldRun(thread.thread_id);
    await client.runs.delete(thread.thread_id, run.run_id);
    await release();
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(history.filter((h) => h.metadata?.run_id === run.run_id)).toEqual([]);
  });

  it("RunService.deleteRun fences: a write that starts right after its checkpoint delete is refused", async () => {
    const { client } = server;
    const { persistence, runs } = server.app.context;
    const thread = await client.threads.create();
    const { run, release } = await startHeldRun(thread.thread_id);
    // The worst moment for the held write: just after the run's checkpoints
    // are deleted. Without the fence it would land and stay.
    const admin = persistence.checkpoints;
    const deleteRunCheckpoints = admin.deleteRun;
    admin.deleteRun = async (threadId, runId) => {
      await deleteRunCheckpoints.call(admin, threadId, runId);
      if (runId === run.run_id) await release();
    };
    try {
      await runs.deleteRun(thread.thread_id, run.run_id);
    } finally {
      admin.deleteRun = deleteRunCheckpoints;
    }
    await release();
    await expect(client.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    const saver = persistence.checkpointer;
    const left = [];
    for await (const tuple of saver.list({ configurable: { thread_id: thread.thread_id } }))
      left.push((tuple.metadata as { run_id?: string } | undefined)?.run_id);
    expect(left.filter((id) => id === run.run_id)).toEqual([]);
  });

  it("deleting a thread leaves none of its checkpoints, including one written late", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const { release } = await startHeldRun(thread.thread_id);
    await client.threads.delete(thread.thread_id);
    await release();
    const saver = server.app.context.persistence.checkpointer;
    expect(await saver.getTuple({ configurable: { thread_id: thread.thread_id } })).toBeUndefined();
    await expect(client.threads.get(thread.thread_id)).rejects.toThrow("HTTP 404");
  });
});
