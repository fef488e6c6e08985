// CheckpointAdmin on PostgresSaver's tables, driven through a real graph so
// the rows are the ones LangGraph writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { Persistence } from "../../../src/server/persistence/types.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import { instrumentSaver } from "../../../src/server/persistence/instrumented-saver.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const State = Annotation.Root({
  items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

describe("PostgresCheckpointAdmin", () => {
  let db: TestDatabase;
  let persistence: Persistence;
  let graph: ReturnType<typeof build>;

  function build(p: Persistence) {
    return new StateGraph(State)
      .addNode("a", () => ({ items: ["a"] }))
      .addNode("b", () => ({ items: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpointer: p.checkpointer });
  }

  const run = (threadId: string, runId: string, input: string) =>
    graph.invoke({ items: [input] }, { configurable: { thread_id: threadId }, metadata: { run_id: runId } });

  async function rowCounts(threadId: string): Promise<{ checkpoints: number; blobs: number; writes: number }> {
    const client = new pg.Client(db.uri);
    await client.connect();
    const { rows } = await client.query(
      `SELECT (SELECT count(*)::int FROM checkpoints WHERE thread_id = $1) AS checkpoints,
              (SELECT count(*)::int FROM checkpoint_blobs WHERE thread_id = $1) AS blobs,
              (SELECT count(*)::int FROM checkpoint_writes WHERE thread_id = $1) AS writes`,
      [threadId],
    );
    await client.end();
    return rows[0];
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    persistence = await createPostgresPersistence({ uri: db.uri });
    // As createPersistence() does for every backend: run_id into checkpoint metadata.
    instrumentSaver(persistence.checkpointer);
    graph = build(persistence);
  });
  afterAll(async () => {
    await persistence?.close();
    await db?.drop();
  });

  it("records the run id from config.metadata in each checkpoint's metadata", async () => {
    await run("meta", "run-meta", "x");
    for await (const tuple of persistence.checkpointer.list({ configurable: { thread_id: "meta" } })) {
      expect(tuple.metadata).toMatchObject({ run_id: "run-meta" });
    }
  });

  it("deleteThread removes checkpoints, blobs and writes of that thread only", async () => {
    await run("del-1", "r1", "x");
    await run("del-2", "r2", "y");
    expect((await rowCounts("del-1")).checkpoints).toBeGreaterThan(0);
    await persistence.checkpoints.deleteThread("del-1");
    expect(await rowCounts("del-1")).toEqual({ checkpoints: 0, blobs: 0, writes: 0 });
    expect((await rowCounts("del-2")).checkpoints).toBeGreaterThan(0);
    expect((await graph.getState({ configurable: { thread_id: "del-2" } })).values.items).toEqual(["y", "a", "b"]);
  });

  it("deleteRun rolls a thread back to the state before that run", async () => {
    await run("rb", "first", "one");
    const before = await rowCounts("rb");
    await run("rb", "second", "two");
    expect((await graph.getState({ configurable: { thread_id: "rb" } })).values.items).toEqual(["one", "a", "b", "two", "a", "b"]);
    await persistence.checkpoints.deleteRun("rb", "second");
    expect((await graph.getState({ configurable: { thread_id: "rb" } })).values.items).toEqual(["one", "a", "b"]);
    const after = await rowCounts("rb");
    expect(after.checkpoints).toBe(before.checkpoints);
    expect(after.writes).toBe(before.writes);
    expect(after.blobs).toBe(before.blobs);
    // The thread keeps working after a rollback.
    await run("rb", "third", "three");
    expect((await graph.getState({ configurable: { thread_id: "rb" } })).values.items).toEqual(["one", "a", "b", "three", "a", "b"]);
    await persistence.checkpoints.deleteRun("rb", "no-such-run");
  });

  it("copyThread duplicates state and history under a new id, independent of the source", async () => {
    await run("src", "r-src", "s");
    await persistence.checkpoints.copyThread("src", "copy");
    const source = await graph.getState({ configurable: { thread_id: "src" } });
    const copy = await graph.getState({ configurable: { thread_id: "copy" } });
    expect(copy.values).toEqual(source.values);
    expect(await rowCounts("copy")).toEqual(await rowCounts("src"));
    await run("copy", "r-copy", "c");
    expect((await graph.getState({ configurable: { thread_id: "copy" } })).values.items).toEqual(["s", "a", "b", "c", "a", "b"]);
    expect((await graph.getState({ configurable: { thread_id: "src" } })).values.items).toEqual(["s", "a", "b"]);
  });

  it("truncate empties every checkpoint table", async () => {
    await run("t", "r-t", "x");
    await persistence.checkpoints.truncate();
    expect(await rowCounts("t")).toEqual({ checkpoints: 0, blobs: 0, writes: 0 });
    expect(await rowCounts("src")).toEqual({ checkpoints: 0, blobs: 0, writes: 0 });
  });
});
