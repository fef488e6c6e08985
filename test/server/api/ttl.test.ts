// Time-to-live through the SDK on memory and PostgreSQL: expired threads
// (delete, keep_latest) and store items disappear from the API and from the
// tables; reads refresh an item's ttl; bad ttls are 422s naming the field.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import pg from "pg";
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";
import { testGraphs } from "../../fixtures/graphs.ts";
import { GENEROUS_MS, sleep } from "../../helpers/wait.ts";

/** Reads a memory from the store inside a node, as an agent does. */
const recall = new StateGraph(Annotation.Root({ found: Annotation<boolean> }))
  .addNode("read", async (_state, config: LangGraphRunnableConfig) => ({ found: (await config.store?.get(["ttl", "g"], "memory")) != null }))
  .addEdge(START, "read")
  .addEdge("read", END)
  .compile();

// 0.01 minute = 600 ms.
const SHORT = 0.01;

describe.each(BACKENDS)("ttl (%s)", (backend) => {
  let server: TestServer;
  let sql: pg.Client | undefined;
  beforeAll(async () => {
    // The sweeper's own timer stays out of the way: tests sweep when they choose.
    server = await startTestServer(backend, { graphs: { ...testGraphs, recall }, settings: { ttlSweepIntervalMs: 3_600_000 } });
    if (backend === "postgres") {
      sql = new pg.Client(server.app.settings.checkpointerUri);
      await sql.connect();
    }
  });
  afterAll(async () => {
    await sql?.end();
    await server?.close();
  });

  const sweep = () => server.app.context.sweeper.sweep();
  const rows = async (query: string, args: unknown[]) => (sql ? Number((await sql.query<{ n: string }>(query, args)).rows[0]?.n) : undefined);

  it("a thread past its ttl (delete) is gone from the API and the tables", async () => {
    const { client } = server;
    const thread = await client.threads.create({ ttl: SHORT });
    await client.runs.wait(thread.thread_id, "simple", { input: { messages: ["x"] } });
    const keeper = await client.threads.create({ ttl: { ttl: 60, strategy: "delete" } });
    const expiry = (await (await fetch(`${server.url}/threads/${thread.thread_id}/ttl`)).json()) as {
      strategy: string;
      ttl_minutes: number;
      expires_at: string;
    };
    expect(expiry).toMatchObject({ strategy: "delete", ttl_minutes: SHORT });
    await sleep(Math.max(0, Date.parse(expiry.expires_at) - Date.now()) + 50);
    const report = await sweep();
    expect(report.ran).toBe(true);
    expect(report.threadsDeleted).toBeGreaterThanOrEqual(1);
    await expect(client.threads.get(thread.thread_id)).rejects.toThrow(/HTTP 404/);
    expect(await client.threads.get(keeper.thread_id)).toMatchObject({ thread_id: keeper.thread_id });
    const tuple = await server.app.context.persistence.checkpointer.getTuple({ configurable: { thread_id: thread.thread_id, checkpoint_ns: "" } });
    expect(tuple).toBeUndefined();
    if (sql) {
      expect(await rows("SELECT count(*) AS n FROM app_threads WHERE thread_id = $1", [thread.thread_id])).toBe(0);
      expect(await rows("SELECT count(*) AS n FROM app_runs WHERE thread_id = $1", [thread.thread_id])).toBe(0);
      expect(await rows("SELECT count(*) AS n FROM checkpoints WHERE thread_id = $1", [thread.thread_id])).toBe(0);
      expect(await rows("SELECT count(*) AS n FROM checkpoint_blobs WHERE thread_id = $1", [thread.thread_id])).toBe(0);
    }
  });

  it("keep_latest prunes every checkpoint but the newest and keeps the thread and its state", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    for (const m of ["one", "two", "three"]) await client.runs.wait(thread.thread_id, "simple", { input: { messages: [m] } });
    const before = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(before.length).toBeGreaterThan(3);
    const state = await client.threads.getState(thread.thread_id);
    // The SDK types only "delete"; the API takes keep_latest as well.
    await client.threads.update(thread.thread_id, { ttl: { ttl: SHORT, strategy: "keep_latest" as "delete" } });
    await sleep(SHORT * 60_000 + 100);
    const report = await sweep();
    expect(report.threadsPruned).toBeGreaterThanOrEqual(1);
    expect(report.checkpointsPruned).toBeGreaterThanOrEqual(before.length - 1);
    const after = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(after).toHaveLength(1);
    expect(after[0].checkpoint.checkpoint_id).toBe(state.checkpoint.checkpoint_id);
    expect((await client.threads.getState(thread.thread_id)).values).toEqual(state.values);
    // Pruned once: not again until the thread changes.
    expect((await sweep()).threadsPruned).toBe(0);
    if (sql) expect(await rows("SELECT count(*) AS n FROM checkpoints WHERE thread_id = $1", [thread.thread_id])).toBe(1);
  });

  it("client.threads.prune: delete removes threads, keep_latest keeps the latest state only", async () => {
    const { client } = server;
    const [gone, kept] = [await client.threads.create(), await client.threads.create()];
    for (const t of [gone, kept]) {
      await client.runs.wait(t.thread_id, "simple", { input: { messages: ["1"] } });
      await client.runs.wait(t.thread_id, "simple", { input: { messages: ["2"] } });
    }
    const state = await client.threads.getState(kept.thread_id);
    expect(await client.threads.prune([gone.thread_id, "00000000-0000-4000-8000-000000000000"])).toEqual({ pruned_count: 1 });
    await expect(client.threads.get(gone.thread_id)).rejects.toThrow(/HTTP 404/);
    expect(await client.threads.prune([kept.thread_id], { strategy: "keep_latest" })).toEqual({ pruned_count: 1 });
    const history = await client.threads.getHistory(kept.thread_id, { limit: 100 });
    expect(history).toHaveLength(1);
    expect((await client.threads.getState(kept.thread_id)).values).toEqual(state.values);
    const bad = await fetch(`${server.url}/threads/prune`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_ids: ["x"], strategy: "all" }),
    });
    expect(bad.status).toBe(422);
  });

  it("refuses a negative or malformed thread ttl with a 422 naming the field", async () => {
    const { client } = server;
    await expect(client.threads.create({ ttl: -1 })).rejects.toThrow(/HTTP 422.*'ttl.ttl'/);
    await expect(client.threads.create({ ttl: { ttl: 5, strategy: "forever" as "delete" } })).rejects.toThrow(/HTTP 422.*'ttl.strategy'/);
    const thread = await client.threads.create();
    await expect(client.threads.update(thread.thread_id, { ttl: -5 })).rejects.toThrow(/HTTP 422.*'ttl.ttl'/);
    expect(await (await fetch(`${server.url}/threads/${thread.thread_id}/ttl`)).json()).toBeNull();
  });

  it("store items expire: gone from get and search, and from the table after a sweep", async () => {
    const { client } = server;
    await client.store.putItem(["ttl", "a"], "short", { v: 1 }, { ttl: SHORT });
    await client.store.putItem(["ttl", "a"], "long", { v: 2 }, { ttl: 60 });
    await client.store.putItem(["ttl", "a"], "forever", { v: 3 });
    expect(await client.store.getItem(["ttl", "a"], "short")).toMatchObject({ value: { v: 1 } });
    await sleep(SHORT * 60_000 + 100);
    expect(await client.store.getItem(["ttl", "a"], "short")).toBeNull();
    const found = await client.store.searchItems(["ttl"], { limit: 10 });
    expect(found.items.map((i) => i.key).sort()).toEqual(["forever", "long"]);
    await sweep();
    if (sql) {
      expect(await rows("SELECT count(*) AS n FROM store WHERE namespace_path = 'ttl:a' AND key = 'short'", [])).toBe(0);
      expect(await rows("SELECT count(*) AS n FROM store WHERE namespace_path = 'ttl:a'", [])).toBe(2);
    }
  });

  /**
   * Calls `touch` (which reads the kept item, and so refreshes it) every
   * quarter second until `control`, put with the same ttl and never read, has
   * expired. The kept item then outlives it by a whole ttl less one round: no
   * sleep lined up with the expiry, so a slow round only shortens the margin.
   */
  async function touchUntilExpired(touch: () => Promise<void>, control: [string[], string]): Promise<void> {
    const deadline = Date.now() + GENEROUS_MS;
    for (;;) {
      await touch();
      if ((await server.client.store.getItem(...control, { refreshTtl: false })) === null) return;
      if (Date.now() > deadline) throw new Error(`${control.join("/")} never expired`);
      await sleep(250);
    }
  }

  it("reading an item pushes its expiry forward by its own ttl (refresh on read), unless refreshTtl is false", async () => {
    const { client } = server;
    // ttl 6 s: the margin a busy machine gets between two reads.
    const ttl = 0.1;
    await client.store.putItem(["ttl", "r"], "read", { v: 1 }, { ttl });
    await client.store.putItem(["ttl", "r"], "unread", { v: 2 }, { ttl });
    await touchUntilExpired(async () => {
      expect(await client.store.getItem(["ttl", "r"], "read")).not.toBeNull();
    }, [["ttl", "r"], "unread"]);
    expect(await client.store.getItem(["ttl", "r"], "unread")).toBeNull();
    expect(await client.store.getItem(["ttl", "r"], "read", { refreshTtl: false })).toMatchObject({ value: { v: 1 } });
  });

  it("a graph reading an item refreshes it too (agent memories live while they are used)", async () => {
    const { client } = server;
    await client.store.putItem(["ttl", "g"], "memory", { fact: "x" }, { ttl: 0.1 });
    await client.store.putItem(["ttl", "g"], "control", { fact: "y" }, { ttl: 0.1 });
    const thread = await client.threads.create();
    await touchUntilExpired(async () => {
      expect(await client.runs.wait(thread.thread_id, "recall", { input: {} })).toMatchObject({ found: true });
    }, [["ttl", "g"], "control"]);
    // Past the ttl of the put: alive only because the graph's reads pushed its expiry.
    expect(await client.store.getItem(["ttl", "g"], "memory", { refreshTtl: false })).toMatchObject({ value: { fact: "x" } });
  });

  it("refuses a negative store ttl with a 422 naming the field", async () => {
    await expect(server.client.store.putItem(["ttl"], "bad", { v: 1 }, { ttl: -1 })).rejects.toThrow(/HTTP 422.*'ttl'/);
  });
});

describe.each(BACKENDS)("ttl defaults from the manifest settings (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, {
      settings: { ttlSweepIntervalMs: 200, threadTtl: { strategy: "delete", defaultTtlMinutes: SHORT }, storeTtl: { defaultTtlMinutes: SHORT } },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("threads and items without a ttl of their own expire after the default; the sweeper runs on its own", async () => {
    const { client } = server;
    // The sweeper holds off until the default is read (else, on a busy machine,
    // the thread may be gone first), then runs on its own again.
    await server.app.context.sweeper.stop();
    const thread = await client.threads.create();
    const pinned = await client.threads.create({ ttl: 60 });
    await client.store.putItem(["d"], "k", { v: 1 });
    const expiry = await fetch(`${server.url}/threads/${thread.thread_id}/ttl`);
    expect(((await expiry.json()) as { ttl_minutes: number }).ttl_minutes).toBe(SHORT);
    server.app.context.sweeper.start();
    await vi.waitFor(async () => expect(client.threads.get(thread.thread_id)).rejects.toThrow(/HTTP 404/), { timeout: 20_000, interval: 200 });
    // The item was written after the thread, so it may expire one sweep later (seen on a loaded machine).
    await vi.waitFor(async () => expect(await client.store.getItem(["d"], "k")).toBeNull(), { timeout: 20_000, interval: 200 });
    expect(await client.threads.get(pinned.thread_id)).toMatchObject({ thread_id: pinned.thread_id });
  });
});
