// The instrumented saver's hooks run in one fixed order, whatever order the
// app wires them in: fence, invalidate, metadata, write, invalidate.
import { describe, expect, it } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseCheckpointSaver, Checkpoint, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";
import { fenceRunWrites, instrumentSaver } from "../../../src/server/persistence/instrumented-saver.ts";

const checkpoint = (id: string): Checkpoint => ({
  v: 4,
  id,
  ts: new Date().toISOString(),
  channel_values: {},
  channel_versions: {},
  versions_seen: {},
});
const config = (runId: string): RunnableConfig => ({
  configurable: { thread_id: "t1", checkpoint_ns: "", run_id: runId, graph_id: "agent", __pregel_secret: "x" },
  metadata: { purpose: "audit" },
});
const ID = (n: number) => `00000000-0000-6000-8000-00000000000${n}`;

/** A saver that logs when its writes happen, and what metadata reached it. */
class LoggingSaver extends MemorySaver {
  constructor(private readonly log: string[]) {
    super();
  }
  override async put(cfg: RunnableConfig, cp: Checkpoint, md: CheckpointMetadata): Promise<RunnableConfig> {
    this.log.push(`put ${JSON.stringify(md)}`);
    return super.put(cfg, cp, md);
  }
  override async putWrites(cfg: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    this.log.push("putWrites");
    return super.putWrites(cfg, writes, taskId);
  }
  override async deleteThread(threadId: string): Promise<void> {
    this.log.push("deleteThread");
    return super.deleteThread(threadId);
  }
}

describe("instrumentSaver", () => {
  it("runs invalidate, metadata, write, invalidate for a put, in that order", async () => {
    const log: string[] = [];
    const saver: BaseCheckpointSaver = new LoggingSaver(log);
    instrumentSaver(saver).setInvalidate((threadId) => log.push(`invalidate ${threadId}`));
    await saver.put(config("run-a"), checkpoint(ID(1)), { source: "loop", step: 0, parents: {} }, {});
    expect(log).toEqual([
      "invalidate t1",
      `put ${JSON.stringify({ graph_id: "agent", purpose: "audit", source: "loop", step: 0, parents: {} })}`,
      "invalidate t1",
    ]);
  });

  it("the same order whether the cache hook is set before or after instrumenting twice", async () => {
    const log: string[] = [];
    const saver: BaseCheckpointSaver = new LoggingSaver(log);
    const first = instrumentSaver(saver);
    first.setInvalidate((threadId) => log.push(`invalidate ${threadId}`));
    // A second instrumentation (another caller) is the same one: no second layer of hooks.
    expect(instrumentSaver(saver)).toBe(first);
    await saver.putWrites({ configurable: { ...config("run-a").configurable, checkpoint_id: ID(1) } }, [["messages", "x"]], "task-1");
    await saver.deleteThread("t1");
    expect(log).toEqual(["invalidate t1", "putWrites", "invalidate t1", "invalidate t1", "deleteThread", "invalidate t1"]);
  });

  it("the fence comes first: a fenced run's writes reach neither the cache hook nor the saver", async () => {
    const log: string[] = [];
    const saver: BaseCheckpointSaver = new LoggingSaver(log);
    instrumentSaver(saver).setInvalidate((threadId) => log.push(`invalidate ${threadId}`));
    await fenceRunWrites(saver, "run-a");
    const answer = await saver.put(config("run-a"), checkpoint(ID(2)), { source: "loop", step: 1, parents: {} }, {});
    await saver.putWrites({ configurable: { ...config("run-a").configurable, checkpoint_id: ID(2) } }, [["messages", "late"]], "task-1");
    expect(answer.configurable?.checkpoint_id).toBe(ID(2));
    expect(log).toEqual([]);
    // Other runs write on.
    await saver.put(config("run-b"), checkpoint(ID(3)), { source: "loop", step: 0, parents: {} }, {});
    expect(log).toHaveLength(3);
  });

  it("removing the cache hook leaves the other hooks in place", async () => {
    const log: string[] = [];
    const saver: BaseCheckpointSaver = new LoggingSaver(log);
    const instrumentation = instrumentSaver(saver);
    instrumentation.setInvalidate((threadId) => log.push(`invalidate ${threadId}`));
    instrumentation.setInvalidate(undefined);
    await saver.put(config("run-a"), checkpoint(ID(4)), { source: "input", step: -1, parents: {} }, {});
    expect(log).toEqual([`put ${JSON.stringify({ graph_id: "agent", purpose: "audit", source: "input", step: -1, parents: {} })}`]);
  });
});
