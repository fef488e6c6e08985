// A run's pending writes travel with its next checkpoint (issue #15): held
// by the PostgreSQL saver until the step's put, a read of the thread, the
// run's end (flushRunWrites) or a short timer; dropped when the run is fenced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import type { Persistence } from "../../../src/server/persistence/types.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import { flushRunWrites, instrumentSaver } from "../../../src/server/persistence/instrumented-saver.ts";
import { mergeWrites, type WriteRow } from "../../../src/server/persistence/postgres/run-write-buffer.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const row = (idx: number, value: string, upsert: boolean): WriteRow => ({
  threadId: "t",
  ns: "",
  checkpointId: "c",
  taskId: "task",
  idx,
  channel: "ch",
  type: "json",
  blob: new TextEncoder().encode(value),
  upsert,
});

describe("mergeWrites: one row per key, as the stock saver's row-by-row statements leave it", () => {
  it("a later insert keeps the earlier row; a later upsert replaces it", () => {
    const merged = mergeWrites([row(0, "first", false), row(0, "second", false), row(-3, "a", true), row(-3, "b", true), row(1, "x", false)]);
    expect(merged.map((r) => [r.idx, new TextDecoder().decode(r.blob)])).toEqual([
      [0, "first"],
      [-3, "b"],
      [1, "x"],
    ]);
    const upsertAfterInsert = mergeWrites([row(-1, "inserted", false), row(-1, "upserted", true), row(-1, "ignored", false)]);
    expect(upsertAfterInsert.map((r) => new TextDecoder().decode(r.blob))).toEqual(["upserted"]);
  });
});

const State = Annotation.Root({ items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });

describe("the PostgreSQL saver holds a run's writes until its next checkpoint", () => {
  let db: TestDatabase;
  let persistence: Persistence;
  let direct: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    persistence = await createPostgresPersistence({ uri: db.uri });
    direct = new pg.Pool({ connectionString: db.uri, max: 2 });
    direct.on("error", () => {});
  });
  afterAll(async () => {
    await direct?.end();
    await persistence?.close();
    await db?.drop();
  });

  /** Channels written to checkpoint_writes for the thread (by one task, when given). */
  const writesOf = async (threadId: string, taskId?: string) =>
    (
      await direct.query<{ channel: string }>(
        "SELECT channel FROM checkpoint_writes WHERE thread_id = $1 AND ($2::text IS NULL OR task_id = $2) ORDER BY channel",
        [threadId, taskId ?? null],
      )
    ).rows.map((r) => r.channel);
  const countOf = async (threadId: string) =>
    Number((await direct.query<{ n: string }>("SELECT count(*) AS n FROM checkpoints WHERE thread_id = $1", [threadId])).rows[0]?.n);

  /** Polls (no wall-clock assert): at most 30 s. */
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let waited = 0; !(await check()); waited += 25) {
      if (waited > 30_000) throw new Error("condition not met within 30 s");
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A checkpoint of a fresh thread, as the first step of a run would write it. */
  async function firstCheckpoint(threadId: string, runId: string) {
    const saver = persistence.checkpointer;
    const graph = new StateGraph(State)
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .addEdge("a", END)
      .compile({ checkpointer: saver });
    await graph.invoke({ items: ["in"] }, { configurable: { thread_id: threadId, run_id: runId } });
    const tuple = await saver.getTuple({ configurable: { thread_id: threadId } });
    if (!tuple) throw new Error("no checkpoint");
    return tuple;
  }

  it("a put sends the writes held before it in its own statement; nothing is written before", async () => {
    const threadId = randomUUID();
    const runId = randomUUID();
    const saver = persistence.checkpointer;
    const base = await firstCheckpoint(threadId, runId);
    const config = { configurable: { ...base.config.configurable, run_id: runId } };

    // Every statement from putWrites to the end of the put is seen. No I/O
    // is awaited between the two calls, so the 100 ms timer cannot send the
    // writes first, however slow the machine.
    const sent: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0];
      sent.push(typeof first === "string" ? first : ((first as { text?: string }).text ?? ""));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await saver.putWrites(config, [["items", ["held"]]], "task-1");
      expect(sent.filter((t) => /checkpoint_writes/.test(t))).toEqual([]);
      const next = { ...base.checkpoint, id: randomUUID(), channel_values: {} };
      await saver.put(config, next, { source: "loop", step: 1, parents: {} }, {});
    } finally {
      pg.Client.prototype.query = original;
    }
    expect(sent.filter((t) => /checkpoint_writes/.test(t) && /INSERT INTO checkpoints/.test(t))).toHaveLength(1);
    expect(sent.filter((t) => /checkpoint_writes|checkpoints/.test(t))).toHaveLength(1);
    expect(await writesOf(threadId, "task-1")).toEqual(["items"]);
  });

  it("a read of the thread sends them first, so the state shows an interrupt at once", async () => {
    const threadId = randomUUID();
    const runId = randomUUID();
    const graph = new StateGraph(State)
      .addNode("ask", () => ({ items: [String(interrupt("approve?"))] }))
      .addEdge(START, "ask")
      .addEdge("ask", END)
      .compile({ checkpointer: persistence.checkpointer });
    await graph.invoke({ items: ["in"] }, { configurable: { thread_id: threadId, run_id: runId } });
    // The interrupt's write came last: nothing followed it to carry it.
    const state = await graph.getState({ configurable: { thread_id: threadId } });
    expect(state.tasks.flatMap((t) => t.interrupts.map((i) => i.value))).toEqual(["approve?"]);
    expect(await writesOf(threadId)).toContain("__interrupt__");
  });

  it("the run's end (flushRunWrites) writes what is held", async () => {
    const threadId = randomUUID();
    const runId = randomUUID();
    const saver = persistence.checkpointer;
    const base = await firstCheckpoint(threadId, runId);
    await saver.putWrites({ configurable: { ...base.config.configurable, run_id: runId } }, [["__error__", { message: "boom" }]], "task-2");
    await flushRunWrites(saver, runId);
    expect(await writesOf(threadId, "task-2")).toEqual(["__error__"]);
  });

  it("writes a slow sibling task would hold back are sent by the timer", async () => {
    const threadId = randomUUID();
    const runId = randomUUID();
    let release: () => void = () => {};
    const running: Promise<unknown>[] = [];
    const slowStarted = new Promise<void>((started) => {
      const graph = new StateGraph(State)
        .addNode("fast", () => ({ items: ["fast"] }))
        .addNode("slow", async () => {
          started();
          await new Promise<void>((r) => (release = r));
          return { items: ["slow"] };
        })
        .addEdge(START, "fast")
        .addEdge(START, "slow")
        .addEdge("fast", END)
        .addEdge("slow", END)
        .compile({ checkpointer: persistence.checkpointer });
      running.push(graph.invoke({ items: [] }, { configurable: { thread_id: threadId, run_id: runId } }));
    });
    await slowStarted;
    // No put comes while "slow" runs; "fast"'s write still reaches the database.
    await eventually(async () => (await writesOf(threadId)).includes("items"));
    const checkpointsWhileSlow = await countOf(threadId);
    release();
    await Promise.all(running);
    expect(await countOf(threadId)).toBeGreaterThan(checkpointsWhileSlow);
  });

  it("a fenced run's held writes are dropped, never written", async () => {
    const threadId = randomUUID();
    const runId = randomUUID();
    const saver = persistence.checkpointer;
    const base = await firstCheckpoint(threadId, runId);
    const config = { configurable: { ...base.config.configurable, run_id: runId } };
    await saver.putWrites(config, [["items", ["doomed"]]], "task-3");
    await instrumentSaver(saver).fence(runId);
    await flushRunWrites(saver, runId);
    await saver.getTuple({ configurable: { thread_id: threadId } });
    expect(await writesOf(threadId, "task-3")).toEqual([]);
  });
});
