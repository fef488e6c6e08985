// langgraphjs#1812: PostgresSaver loses a branch's values after a fork or
// time travel, because channel versions count 1, 2, 3... per thread and blobs
// are inserted with ON CONFLICT DO NOTHING. The stock saver is expected to
// show the bug (if this test starts failing, upstream fixed it and our
// override in saver.ts can go); skeino's saver must behave like MemorySaver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Annotation, END, MemorySaver, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Persistence } from "../../../src/server/persistence/types.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const State = Annotation.Root({
  items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function buildGraph(checkpointer: BaseCheckpointSaver) {
  let bCalls = 0;
  return (
    new StateGraph(State)
      .addNode("a", () => ({ items: ["a"] }))
      // Not deterministic on purpose: a re-run of b must be visible.
      .addNode("b", () => ({ items: [`b${++bCalls}`] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpointer })
  );
}

async function checkpointBefore(graph: ReturnType<typeof buildGraph>, threadId: string, node: string) {
  for await (const snapshot of graph.getStateHistory({ configurable: { thread_id: threadId } })) {
    if (snapshot.next.length === 1 && snapshot.next[0] === node) return snapshot;
  }
  throw new Error(`no checkpoint before ${node}`);
}

/** Fork: update the state at the checkpoint before b, then run b on that branch. */
async function forkScenario(checkpointer: BaseCheckpointSaver, threadId: string) {
  const graph = buildGraph(checkpointer);
  const thread = { configurable: { thread_id: threadId } };
  await graph.invoke({ items: ["in"] }, thread);
  const beforeB = await checkpointBefore(graph, threadId, "b");
  const forkConfig = await graph.updateState(beforeB.config, { items: ["forked"] });
  const forkedState = (await graph.getState(forkConfig)).values.items;
  const final = (await graph.invoke(null, forkConfig)).items;
  return { forkedState, final };
}

/** Time travel: replay from the checkpoint before b; b runs again and appends b2. */
async function replayScenario(checkpointer: BaseCheckpointSaver, threadId: string) {
  const graph = buildGraph(checkpointer);
  await graph.invoke({ items: ["in"] }, { configurable: { thread_id: threadId } });
  const beforeB = await checkpointBefore(graph, threadId, "b");
  await graph.invoke(null, beforeB.config);
  return (await graph.getState({ configurable: { thread_id: threadId } })).values.items;
}

const expectedFork = { forkedState: ["in", "a", "forked"], final: ["in", "a", "forked", "b2"] };
const expectedReplay = ["in", "a", "b2"];

describe("langgraphjs#1812: fork and time travel on PostgreSQL", () => {
  let db: TestDatabase;
  let persistence: Persistence;
  let stockPool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    persistence = await createPostgresPersistence({ uri: db.uri });
    stockPool = new pg.Pool({ connectionString: db.uri, max: 4 });
    stockPool.on("error", () => {});
  });
  afterAll(async () => {
    await stockPool?.end();
    await persistence?.close();
    await db?.drop();
  });

  it("MemorySaver, the reference, keeps both branches", async () => {
    expect(await forkScenario(new MemorySaver(), "mem-fork")).toEqual(expectedFork);
    expect(await replayScenario(new MemorySaver(), "mem-replay")).toEqual(expectedReplay);
  });

  it("the stock PostgresSaver drops the second branch's blobs (the upstream bug)", async () => {
    const stock = new PostgresSaver(stockPool);
    const fork = await forkScenario(stock, "stock-fork");
    // The fork reads the original branch's value of `items` (version 3 was already taken).
    expect(fork.forkedState).toEqual(["in", "a", "b1"]);
    expect(fork).not.toEqual(expectedFork);
    expect(await replayScenario(stock, "stock-replay")).not.toEqual(expectedReplay);
  });

  it("skeino's saver keeps both branches, like MemorySaver", async () => {
    expect(await forkScenario(persistence.checkpointer, "skeino-fork")).toEqual(expectedFork);
    expect(await replayScenario(persistence.checkpointer, "skeino-replay")).toEqual(expectedReplay);
    // And the original branch is intact: its last checkpoint still ends in b1.
    const graph = buildGraph(persistence.checkpointer);
    const history = [];
    for await (const s of graph.getStateHistory({ configurable: { thread_id: "skeino-replay" } })) history.push(s.values.items);
    expect(history).toContainEqual(["in", "a", "b1"]);
    const tuple = await persistence.checkpointer.getTuple({ configurable: { thread_id: "skeino-fork" } });
    const versions = Object.values(tuple!.checkpoint.channel_versions);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version).toMatch(/^\d{32}\.[0-9a-f]{16}$/);
  });

  it("threads written with integer versions keep counting in integers", async () => {
    const stock = new PostgresSaver(stockPool);
    const threadId = "legacy";
    await buildGraph(stock).invoke({ items: ["in"] }, { configurable: { thread_id: threadId } });
    const graph = buildGraph(persistence.checkpointer);
    const state = await graph.invoke({ items: ["more"] }, { configurable: { thread_id: threadId } });
    expect(state.items).toEqual(["in", "a", "b1", "more", "a", "b1"]);
    const tuple = await persistence.checkpointer.getTuple({ configurable: { thread_id: threadId } });
    expect(Object.values(tuple!.checkpoint.channel_versions).every((v) => typeof v === "number")).toBe(true);
  });
});
