// The shared MetadataStore contract against PostgreSQL, plus what only a
// database can show: several processes sharing it, orphaned runs of a dead
// process, NUL bytes, the indexes the queries rely on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { BusMessage, Persistence } from "../../../src/server/persistence/types.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import { isDatabaseUnavailable } from "../../../src/server/persistence/database-unavailable.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { withCeiling } from "../../helpers/wait.ts";
import { makeRun, runMetadataStoreContract } from "./contract.ts";

let db: TestDatabase;
let shared: Persistence;
const quiet = () => {};

beforeAll(async () => {
  db = await createTestDatabase();
  shared = await createPostgresPersistence({ uri: db.uri, onConnectionError: quiet });
});
afterAll(async () => {
  await shared?.close();
  await db?.drop();
});

// One database per file; each test starts from empty tables (TRUNCATE is
// ~10x cheaper than a database per test).
runMetadataStoreContract("postgres", async () => {
  const client = new pg.Client(db.uri);
  await client.connect();
  await client.query("TRUNCATE app_runs, app_threads, app_assistant_versions, app_assistants CASCADE");
  await client.end();
  return { store: shared.metadata, cleanup: async () => {} };
});

describe("PostgreSQL metadata store", () => {
  it("rejects a run for a thread that does not exist with 404", async () => {
    await expect(shared.metadata.runs.create(makeRun("no-such-thread"))).rejects.toMatchObject({ status: 404 });
  });

  it("keeps assistants, threads and runs across a restart (a new persistence on the database)", async () => {
    await shared.metadata.assistants.create({ assistant_id: "durable-a", graph_id: "g", metadata: { k: 1 } });
    await shared.metadata.threads.create({ thread_id: "durable-t", metadata: { user: "ann" } });
    await shared.metadata.threads.update("durable-t", { values: { n: 1 }, status: "interrupted" });
    const run = await shared.metadata.runs.create(makeRun("durable-t"));
    const before = {
      assistant: await shared.metadata.assistants.get("durable-a"),
      thread: await shared.metadata.threads.get("durable-t"),
      run: await shared.metadata.runs.get(run.run_id),
    };
    const restarted = await createPostgresPersistence({ uri: db.uri, onConnectionError: quiet });
    try {
      expect({
        assistant: await restarted.metadata.assistants.get("durable-a"),
        thread: await restarted.metadata.threads.get("durable-t"),
        run: await restarted.metadata.runs.get(run.run_id),
      }).toEqual(before);
    } finally {
      await restarted.close();
      await shared.metadata.runs.delete(run.run_id); // later tests claim from an empty queue
    }
  });

  it("lets exactly one of many concurrent ifIdle creations, from separate pools, onto an idle thread", async () => {
    const others = await Promise.all([1, 2, 3].map(() => createPostgresPersistence({ uri: db.uri, onConnectionError: quiet })));
    try {
      const stores = [shared, ...others].map((p) => p.metadata);
      for (let round = 0; round < 5; round++) {
        const threadId = `reject-race-${round}`;
        await shared.metadata.threads.create({ thread_id: threadId });
        const results = await Promise.allSettled(
          stores.flatMap((store) => [0, 1].map(() => store.runs.create(makeRun(threadId), { status: "busy" }, { ifIdle: true }))),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const refused = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(refused).toHaveLength(7);
        for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 422 });
        expect(await shared.metadata.runs.active(threadId)).toHaveLength(1);
      }
    } finally {
      await shared.metadata.runs.truncate();
      await Promise.all(others.map((p) => p.close()));
    }
  });

  it("strips NUL characters JSONB cannot hold", async () => {
    const created = await shared.metadata.threads.create({ thread_id: "nul", metadata: { note: "a\u0000b" } });
    expect(created).not.toBe("exists");
    await shared.metadata.threads.update("nul", { values: { text: "x\u0000y" } });
    expect(await shared.metadata.threads.get("nul")).toMatchObject({ metadata: { note: "ab" }, values: { text: "xy" } });
  });

  it("settles the running runs of a dead process and recomputes their threads", async () => {
    const other = await createPostgresPersistence({ uri: db.uri, onConnectionError: quiet });
    const store = shared.metadata;
    await store.runs.truncate();
    await store.threads.create({ thread_id: "orphan-1" });
    await store.threads.create({ thread_id: "orphan-2" });
    const lone = await store.runs.create(makeRun("orphan-1"));
    const first = await store.runs.create(makeRun("orphan-2"));
    const queued = await store.runs.create(makeRun("orphan-2"));
    expect((await other.metadata.runs.claimNext("proc-b:1"))?.run_id).toBe(lone.run_id);
    expect((await other.metadata.runs.claimNext("proc-b:1"))?.run_id).toBe(first.run_id);
    // proc-b is alive: its runs are not orphans.
    expect(await store.runs.settleOrphaned("server stopped")).toEqual([]);
    await other.close(); // its session, and so its worker lock, ends
    const settled = await store.runs.settleOrphaned("server stopped while the run was in progress");
    expect(settled.map((r) => r.run_id).sort()).toEqual([lone.run_id, first.run_id].sort());
    expect(settled.every((r) => r.status === "error")).toBe(true);
    expect(await store.threads.get("orphan-1")).toMatchObject({
      status: "error",
      error: { message: "server stopped while the run was in progress" },
    });
    // Another run is still queued there: the thread stays busy until it runs.
    expect((await store.threads.get("orphan-2"))?.status).toBe("busy");
    expect((await store.runs.get(queued.run_id))?.status).toBe("pending");
    expect(await store.runs.settleOrphaned("again")).toEqual([]);
    expect((await store.runs.claimNext("proc-a:1"))?.run_id).toBe(queued.run_id);
  });

  it("a process never settles its own runs, even after its worker-lock connection dropped", async () => {
    let dropped!: () => void;
    const lockDropped = new Promise<void>((resolve) => (dropped = resolve));
    const own = await createPostgresPersistence({ uri: db.uri, onConnectionError: () => dropped() });
    // Every process loses its lock below: leave no other process's runs running.
    await shared.metadata.runs.truncate();
    try {
      await own.metadata.threads.create({ thread_id: "self" });
      const run = await own.metadata.runs.create(makeRun("self"));
      expect((await own.metadata.runs.claimNext("self-worker"))?.run_id).toBe(run.run_id);
      const admin = new pg.Client(db.uri);
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      await admin.end();
      await withCeiling(lockDropped, "the process to notice its connections were killed");
      // Only the first dropped connection has been noticed: on a loaded machine
      // the pool can still lend another killed one (57P01), which it then
      // discards. The server retries such errors; so does the test.
      const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await call();
          } catch (error) {
            if (attempt >= 5 || !isDatabaseUnavailable(error)) throw error;
          }
        }
      };
      expect(await retrying(() => own.metadata.runs.settleOrphaned("server stopped"))).toEqual([]);
      expect((await retrying(() => own.metadata.runs.get(run.run_id)))?.status).toBe("running");
      // The next claim re-takes the lock, so other processes see it alive again.
      expect(await retrying(() => own.metadata.runs.claimNext("self-worker"))).toBeUndefined();
      expect(await retrying(() => shared.metadata.runs.settleOrphaned("server stopped"))).toEqual([]);
      expect(await retrying(() => own.metadata.runs.finish(run.run_id, "success"))).toBe(true);
    } finally {
      await own.close();
    }
  });

  it("four processes claiming concurrently never double-claim and keep one running run per thread", async () => {
    const procs = await Promise.all(
      Array.from({ length: 4 }, () => createPostgresPersistence({ uri: db.uri, poolSize: 3, onConnectionError: quiet })),
    );
    try {
      const store = shared.metadata;
      await store.runs.truncate();
      const threads = Array.from({ length: 8 }, (_, i) => `claim-${i}`);
      for (const t of threads) await store.threads.create({ thread_id: t });
      const created: string[] = [];
      for (let i = 0; i < 5; i++) for (const t of threads) created.push((await store.runs.create(makeRun(t))).run_id);
      const done: string[] = [];
      const order = new Map<string, string[]>();
      await Promise.all(
        procs.map(async (proc, p) => {
          for (;;) {
            const run = await proc.metadata.runs.claimNext(`proc-${p}`);
            if (!run) {
              if (done.length === created.length) return;
              await new Promise((r) => setTimeout(r, 2));
              continue;
            }
            const running = await store.runs.list(run.thread_id, { limit: 10, offset: 0, status: "running" });
            expect(running.map((r) => r.run_id)).toEqual([run.run_id]);
            order.set(run.thread_id, [...(order.get(run.thread_id) ?? []), run.run_id]);
            expect(await proc.metadata.runs.finish(run.run_id, "success")).toBe(true);
            done.push(run.run_id);
          }
        }),
      );
      expect(done.sort()).toEqual([...created].sort());
      // FIFO per thread: runs of one thread ran in creation order.
      for (const t of threads) {
        const expected = created.filter((id) => order.get(t)?.includes(id));
        expect(order.get(t)).toEqual(expected);
      }
    } finally {
      await Promise.all(procs.map((p) => p.close()));
    }
  });

  it("has the indexes /threads/search and claimNext rely on", async () => {
    const client = new pg.Client(db.uri);
    await client.connect();
    const { rows } = await client.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('app_threads', 'app_runs')",
    );
    await client.end();
    const defs = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
    expect(defs.app_threads_metadata_gin).toMatch(/USING gin \(metadata jsonb_path_ops\)/);
    expect(defs.app_threads_status_updated).toMatch(/\(status, updated_at DESC\)/);
    expect(defs.app_threads_updated_at).toMatch(/updated_at DESC/);
    expect(defs.app_runs_status_created).toMatch(/\(status, created_at, seq\)/);
    expect(defs.app_runs_one_running_per_thread).toMatch(/UNIQUE INDEX .* WHERE \(status = 'running'::text\)/);
  });
});

describe("PostgreSQL: a run claimed in its own insert (claimBy)", () => {
  const fresh = async () => {
    const client = new pg.Client(db.uri);
    await client.connect();
    await client.query("TRUNCATE app_runs, app_threads CASCADE");
    await client.end();
  };
  const runs = () => shared.metadata.runs;

  it("claims a due run on an idle thread for the worker, which no claim hands out again", async () => {
    await fresh();
    await shared.metadata.threads.create({ thread_id: "ci-1" });
    const run = await runs().create(makeRun("ci-1"), { status: "busy" }, { claimBy: "worker-a" });
    expect(run.status).toBe("running");
    expect((await runs().get(run.run_id))?.status).toBe("running");
    expect(await runs().claimNext("worker-b")).toBeUndefined();
    expect((await shared.metadata.threads.get("ci-1"))?.status).toBe("busy");
    expect(await runs().finish(run.run_id, "success", { threadId: "ci-1", update: { status: "idle" } })).toBe(true);
  });

  it("leaves the run pending when it is not due, when its thread has a run in flight, or when an older due run waits", async () => {
    await fresh();
    for (const t of ["ci-2", "ci-3", "ci-4"]) await shared.metadata.threads.create({ thread_id: t });
    const later = makeRun("ci-2", { created_at: new Date(Date.now() + 60_000).toISOString() });
    expect((await runs().create(later, { status: "busy" }, { claimBy: "worker-a" })).status).toBe("pending");

    const first = await runs().create(makeRun("ci-3"), { status: "busy" }, { claimBy: "worker-a" });
    expect(first.status).toBe("running");
    const queued = await runs().create(makeRun("ci-3"), { status: "busy" }, { claimBy: "worker-a" });
    expect(queued.status).toBe("pending");

    // ci-3's queued run is due and waiting (its thread is busy, but it is older): a new run elsewhere does not jump it.
    const elsewhere = await runs().create(makeRun("ci-4"), { status: "busy" }, { claimBy: "worker-a" });
    expect(elsewhere.status).toBe("pending");
  });

  it("never runs two runs of one thread, however many creators race with a free worker each", async () => {
    await fresh();
    await shared.metadata.threads.create({ thread_id: "ci-race" });
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => runs().create(makeRun("ci-race"), { status: "busy" }, { claimBy: `worker-${i}` })),
    );
    // Exactly one: the first to lock the thread claims; the others see it, or lose on the one-running index and queue.
    expect(created.filter((r) => r.status === "running")).toHaveLength(1);
    const active = await runs().active("ci-race");
    expect(active).toHaveLength(12);
    expect(active.filter((r) => r.status === "running")).toHaveLength(1);
  });
});

describe("PostgreSQL: a run's last events written with its end", () => {
  it("finish writes them in its commit, and a finish retried after an unseen commit neither fails nor duplicates them", async () => {
    const bus = shared.bus;
    expect(bus).toBeDefined();
    await shared.metadata.threads.create({ thread_id: "fe-1" });
    const run = await shared.metadata.runs.create(makeRun("fe-1"), { status: "busy" }, { claimBy: "worker-a" });
    await bus?.appendEvents(run.run_id, [{ id: 0, event: "metadata", data: '{"a":0}' }]);
    const last = [
      { id: 1, event: "values", data: '{"n":1}' },
      { id: 2, event: "values", data: '{"n":2}' },
    ];
    expect(await shared.metadata.runs.finish(run.run_id, "success", { threadId: "fe-1", update: { status: "idle" } }, { run: last })).toBe(true);
    expect(await shared.metadata.runs.finish(run.run_id, "success", { threadId: "fe-1", update: { status: "idle" } }, { run: last })).toBe(false);
    expect(await bus?.readEvents(run.run_id, -1, 100)).toEqual([{ id: 0, event: "metadata", data: '{"a":0}' }, ...last]);
    expect((await shared.metadata.runs.get(run.run_id))?.status).toBe("success");
  });

  it("finish of a run deleted meanwhile (its thread was) writes nothing and does not fail", async () => {
    await shared.metadata.threads.create({ thread_id: "fe-gone" });
    const run = await shared.metadata.runs.create(makeRun("fe-gone"), { status: "busy" }, { claimBy: "worker-a" });
    await shared.metadata.threads.delete("fe-gone");
    const last = [{ id: 1, event: "values", data: '{"n":1}' }];
    const event = { method: "values", channel: "values", namespace: [], params: '{"namespace":[],"data":1}' };
    expect(
      await shared.metadata.runs.finish(run.run_id, "success", { threadId: "fe-gone", update: { status: "idle" } }, { run: last, thread: [event] }),
    ).toBe(false);
    expect(await shared.metadata.runs.get(run.run_id)).toBeUndefined();
  });

  it("finish writes the thread's last protocol events after those appended before, numbered on; a retried finish takes no numbers", async () => {
    await shared.metadata.threads.create({ thread_id: "fe-2" });
    const run = await shared.metadata.runs.create(makeRun("fe-2"), { status: "busy" }, { claimBy: "worker-a" });
    const event = (method: string, n: number) => ({ method, channel: method, namespace: [], params: `{"namespace":[],"data":${n}}` });
    await shared.threadEvents.append("fe-2", run.run_id, [event("lifecycle", 1), event("values", 2)]);
    const last = [event("values", 3), event("lifecycle", 4)];
    expect(shared.metadata.runs.finishWritesThreadEvents?.()).toBe(true);
    expect(await shared.metadata.runs.finish(run.run_id, "success", { threadId: "fe-2", update: { status: "idle" } }, { thread: last })).toBe(true);
    expect(await shared.metadata.runs.finish(run.run_id, "success", { threadId: "fe-2", update: { status: "idle" } }, { thread: last })).toBe(false);
    const events = await shared.threadEvents.read("fe-2", 0, 100);
    expect(events.map((e) => [e.seq, e.method, e.params, e.run_id])).toEqual([
      [1, "lifecycle", '{"namespace":[],"data":1}', run.run_id],
      [2, "values", '{"namespace":[],"data":2}', run.run_id],
      [3, "values", '{"namespace":[],"data":3}', run.run_id],
      [4, "lifecycle", '{"namespace":[],"data":4}', run.run_id],
    ]);
    expect((await shared.threadEvents.position("fe-2")).last).toBe(4);
    expect((await shared.metadata.threads.get("fe-2"))?.status).toBe("idle");
  });

  it("another process hears of the end and of the thread's new events in one notification", async () => {
    const other = await createPostgresPersistence({ uri: db.uri, onConnectionError: quiet });
    const heard: BusMessage[] = [];
    const unsubscribe = other.bus?.subscribe((m) => heard.push(m));
    try {
      const event = { method: "values", channel: "values", namespace: [], params: '{"namespace":[],"data":1}' };
      for (const [threadId, thread] of [
        ["fe-3", [event]],
        ["fe-4", []],
      ] as const) {
        await shared.metadata.threads.create({ thread_id: threadId });
        const run = await shared.metadata.runs.create(makeRun(threadId), { status: "busy" }, { claimBy: "worker-a" });
        await shared.metadata.runs.finish(run.run_id, "success", { threadId, update: { status: "idle" } }, { thread: [...thread] });
      }
      for (let waited = 0; heard.filter((m) => m.type === "run_ended").length < 2; waited += 20) {
        if (waited > 30_000) throw new Error(`heard only ${JSON.stringify(heard)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const ended = heard.filter((m) => m.type === "run_ended").map((m) => [m.thread_id, m.thread_events]);
      expect(ended).toEqual([
        ["fe-3", true],
        ["fe-4", false],
      ]);
      expect(heard.filter((m) => m.type === "thread_events")).toEqual([]);
    } finally {
      unsubscribe?.();
      await other.close();
    }
  });
});
