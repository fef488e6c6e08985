// The MetadataStore contract: one behavioural suite every backend must pass
// (memory.contract.test.ts, postgres.contract.test.ts). It talks only to the
// MetadataStore interface; nothing here may depend on a backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore, Run, RunStatus } from "../../../src/server/persistence/types.ts";
import { pollUntil, sleep } from "../../helpers/wait.ts";

export interface ContractSubject {
  store: MetadataStore;
  cleanup(): Promise<void>;
}

const page = (limit = 100, offset = 0) => ({ limit, offset });
const isoAfter = (ms: number) => new Date(Date.now() + ms).toISOString();

let runCounter = 0;
export function makeRun(threadId: string, overrides: Partial<Run> = {}): Run {
  const at = new Date().toISOString();
  return {
    run_id: `run-${++runCounter}-${Math.random().toString(36).slice(2, 8)}`,
    thread_id: threadId,
    assistant_id: "asst",
    created_at: at,
    updated_at: at,
    status: "pending",
    metadata: {},
    multitask_strategy: "enqueue",
    kwargs: {
      input: { messages: [{ role: "user", content: "hé ✓" }] },
      config: { configurable: { k: 1 } },
      stream_mode: ["values"],
      temporary: false,
      subgraphs: false,
      resumable: false,
    },
    ...overrides,
  };
}

export function runMetadataStoreContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: MetadataStore;
    beforeEach(async () => {
      subject = await make();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    /** Creates runs one ms apart so created_at order is unambiguous. */
    async function createRuns(threadId: string, count: number, overrides: Partial<Run> = {}): Promise<Run[]> {
      const runs: Run[] = [];
      for (let i = 0; i < count; i++) {
        runs.push(await store.runs.create(makeRun(threadId, overrides)));
        await sleep(2);
      }
      return runs;
    }

    describe("assistants", () => {
      it("creates with defaults and reads back", async () => {
        const created = await store.assistants.create({ assistant_id: "a1", graph_id: "agent" });
        expect(created).toMatchObject({
          assistant_id: "a1",
          graph_id: "agent",
          config: {},
          context: {},
          metadata: {},
          name: "agent",
          description: null,
          version: 1,
        });
        expect(Date.parse(created.created_at)).not.toBeNaN();
        expect(created.updated_at).toBe(created.created_at);
        expect(await store.assistants.get("a1")).toEqual(created);
        expect(await store.assistants.get("nope")).toBeUndefined();
      });

      it("keeps every field it was given", async () => {
        const created = await store.assistants.create({
          assistant_id: "a2",
          graph_id: "agent",
          config: { tags: ["x"], recursion_limit: 5, configurable: { model: "m" } },
          context: { tenant: "t" },
          metadata: { owner: "ann", nested: { deep: [1, 2] } },
          name: "My agent",
          description: "does things",
        });
        expect(await store.assistants.get("a2")).toEqual(created);
        expect(created.config).toEqual({ tags: ["x"], recursion_limit: 5, configurable: { model: "m" } });
        expect(created.metadata).toEqual({ owner: "ann", nested: { deep: [1, 2] } });
      });

      it("raises 409 on an existing id, or returns it with if_exists do_nothing", async () => {
        const first = await store.assistants.create({ assistant_id: "a1", graph_id: "agent", name: "first" });
        await expect(store.assistants.create({ assistant_id: "a1", graph_id: "other" })).rejects.toMatchObject({
          status: 409,
        });
        const again = await store.assistants.create({
          assistant_id: "a1",
          graph_id: "other",
          name: "second",
          if_exists: "do_nothing",
        });
        expect(again).toEqual(first);
        expect(await store.assistants.versions("a1", page())).toHaveLength(1);
      });

      it("patch makes a new version, merges metadata shallowly and keeps the rest", async () => {
        await store.assistants.create({
          assistant_id: "a1",
          graph_id: "agent",
          metadata: { a: 1, keep: true },
          description: "d",
          config: { tags: ["t"] },
        });
        const patched = await store.assistants.patch("a1", { metadata: { a: 2, b: { c: 3 } }, name: "renamed" });
        expect(patched).toMatchObject({
          version: 2,
          name: "renamed",
          metadata: { a: 2, b: { c: 3 }, keep: true },
          description: "d",
          config: { tags: ["t"] },
          graph_id: "agent",
        });
        expect(Date.parse(patched!.updated_at)).toBeGreaterThanOrEqual(Date.parse(patched!.created_at));
        const cleared = await store.assistants.patch("a1", { description: null, config: { recursion_limit: 3 } });
        expect(cleared).toMatchObject({ version: 3, description: null, config: { recursion_limit: 3 } });
        expect(await store.assistants.get("a1")).toEqual(cleared);
        expect(await store.assistants.patch("nope", { name: "x" })).toBeUndefined();
      });

      it("lists versions newest first, with paging and a metadata filter", async () => {
        await store.assistants.create({ assistant_id: "a1", graph_id: "agent", metadata: { stage: "dev" } });
        await store.assistants.patch("a1", { metadata: { stage: "prod" } });
        await store.assistants.patch("a1", { name: "v3" });
        const all = await store.assistants.versions("a1", page());
        expect(all.map((v) => v.version)).toEqual([3, 2, 1]);
        expect(all[2]).toMatchObject({ assistant_id: "a1", metadata: { stage: "dev" }, name: "agent" });
        expect(all[0]).not.toHaveProperty("updated_at");
        expect((await store.assistants.versions("a1", page(1, 1))).map((v) => v.version)).toEqual([2]);
        const prod = await store.assistants.versions("a1", { ...page(), metadata: { stage: "prod" } });
        expect(prod.map((v) => v.version)).toEqual([3, 2]);
        expect(await store.assistants.versions("nope", page())).toEqual([]);
      });

      it("setLatest restores a version's fields; the next patch still gets a fresh number", async () => {
        await store.assistants.create({ assistant_id: "a1", graph_id: "agent", metadata: { v: 1 }, name: "one" });
        await store.assistants.patch("a1", { metadata: { v: 2 }, name: "two", graph_id: "agent2" });
        const restored = await store.assistants.setLatest("a1", 1);
        expect(restored).toMatchObject({ version: 1, name: "one", metadata: { v: 1 }, graph_id: "agent" });
        expect(await store.assistants.get("a1")).toMatchObject({ version: 1, name: "one" });
        expect(await store.assistants.setLatest("a1", 99)).toBe("no-version");
        expect(await store.assistants.setLatest("nope", 1)).toBe("no-assistant");
        const next = await store.assistants.patch("a1", { name: "three" });
        expect(next?.version).toBe(3);
        expect((await store.assistants.versions("a1", page())).map((v) => v.version)).toEqual([3, 2, 1]);
      });

      it("searches by graph_id, name substring (any case) and metadata containment; counts", async () => {
        await store.assistants.create({ assistant_id: "a1", graph_id: "g1", name: "Alpha Bot", metadata: { team: "x", tags: ["a", "b"] } });
        await sleep(2);
        await store.assistants.create({ assistant_id: "a2", graph_id: "g1", name: "beta", metadata: { team: "y" } });
        await sleep(2);
        await store.assistants.create({ assistant_id: "a3", graph_id: "g2", name: "ALPHA two", metadata: { team: "x", n: { d: 1 } } });
        const ids = async (query: Parameters<MetadataStore["assistants"]["search"]>[0]) =>
          (await store.assistants.search(query)).items.map((a) => a.assistant_id);
        // Default order: newest first.
        expect(await ids(page())).toEqual(["a3", "a2", "a1"]);
        expect(await ids({ ...page(), graph_id: "g1" })).toEqual(["a2", "a1"]);
        expect(await ids({ ...page(), name: "alpha" })).toEqual(["a3", "a1"]);
        expect(await ids({ ...page(), name: "%" })).toEqual([]);
        expect(await ids({ ...page(), metadata: { team: "x" } })).toEqual(["a3", "a1"]);
        expect(await ids({ ...page(), metadata: { tags: ["b"] } })).toEqual(["a1"]);
        expect(await ids({ ...page(), metadata: { n: { d: 1 } } })).toEqual(["a3"]);
        expect(await ids({ ...page(), metadata: { team: "x" }, graph_id: "g1" })).toEqual(["a1"]);
        expect(await ids({ ...page(), sort_by: "assistant_id", sort_order: "asc" })).toEqual(["a1", "a2", "a3"]);
        expect(await ids({ ...page(), sort_by: "name", sort_order: "asc" })).toEqual(["a3", "a1", "a2"]);
        const paged = await store.assistants.search({ ...page(1, 1), sort_by: "assistant_id", sort_order: "asc" });
        expect(paged.items.map((a) => a.assistant_id)).toEqual(["a2"]);
        expect(paged.total).toBe(3);
        expect((await store.assistants.search({ ...page(10, 10) })).items).toEqual([]);
        expect(await store.assistants.count({})).toBe(3);
        expect(await store.assistants.count({ graph_id: "g1" })).toBe(2);
        expect(await store.assistants.count({ metadata: { team: "x" }, name: "two" })).toBe(1);
      });

      it("delete removes the assistant, its versions and its runs", async () => {
        await store.assistants.create({ assistant_id: "a1", graph_id: "agent" });
        await store.assistants.patch("a1", { name: "v2" });
        await store.threads.create({ thread_id: "t1" });
        const doomed = await store.runs.create(makeRun("t1", { assistant_id: "a1" }));
        const kept = await store.runs.create(makeRun("t1", { assistant_id: "other" }));
        expect(await store.assistants.delete("a1")).toBe(true);
        expect(await store.assistants.get("a1")).toBeUndefined();
        expect(await store.assistants.versions("a1", page())).toEqual([]);
        expect(await store.runs.get(doomed.run_id)).toBeUndefined();
        expect(await store.runs.get(kept.run_id)).toBeDefined();
        expect(await store.assistants.delete("a1")).toBe(false);
      });

      it("truncateUserAssistants keeps only system assistants", async () => {
        await store.assistants.create({ assistant_id: "sys", graph_id: "g", metadata: { created_by: "system" } });
        await store.assistants.create({ assistant_id: "user", graph_id: "g", metadata: { created_by: "ann" } });
        await store.assistants.create({ assistant_id: "bare", graph_id: "g" });
        await store.assistants.truncateUserAssistants();
        const left = await store.assistants.search(page());
        expect(left.items.map((a) => a.assistant_id)).toEqual(["sys"]);
        expect(await store.assistants.versions("user", page())).toEqual([]);
      });
    });

    describe("threads", () => {
      it("creates idle threads without values and refuses duplicates", async () => {
        const created = await store.threads.create({ thread_id: "t1", metadata: { user: "ann" } });
        expect(created).toMatchObject({ thread_id: "t1", status: "idle", metadata: { user: "ann" }, config: {} });
        if (created === "exists") throw new Error("unexpected");
        expect(created.values ?? null).toBeNull();
        expect(created.updated_at).toBe(created.created_at);
        expect(await store.threads.get("t1")).toEqual(created);
        expect(await store.threads.create({ thread_id: "t1" })).toBe("exists");
        expect(await store.threads.get("missing")).toBeUndefined();
        const bare = await store.threads.create({ thread_id: "t2" });
        expect(bare).toMatchObject({ metadata: {} });
      });

      it("update writes status, merges metadata and sets values, interrupts, config and error", async () => {
        const created = await store.threads.create({ thread_id: "t1", metadata: { a: 1, b: 1 } });
        if (created === "exists") throw new Error("unexpected");
        await sleep(2);
        const updated = await store.threads.update("t1", {
          status: "interrupted",
          metadata: { b: 2, c: { d: true } },
          values: { messages: ["hi"], count: 2 },
          interrupts: { task1: [{ value: "ask", id: "i1" }] },
          config: { configurable: { x: 1 } },
          error: { message: "boom" },
        });
        expect(updated).toMatchObject({
          thread_id: "t1",
          status: "interrupted",
          metadata: { a: 1, b: 2, c: { d: true } },
          values: { messages: ["hi"], count: 2 },
          interrupts: { task1: [{ value: "ask", id: "i1" }] },
          config: { configurable: { x: 1 } },
          error: { message: "boom" },
          created_at: created.created_at,
        });
        expect(Date.parse(updated!.updated_at)).toBeGreaterThan(Date.parse(created.created_at));
        expect(await store.threads.get("t1")).toEqual(updated);
        const partial = await store.threads.update("t1", { status: "idle" });
        expect(partial).toMatchObject({ status: "idle", values: { messages: ["hi"], count: 2 }, metadata: { a: 1, b: 2 } });
        const cleared = await store.threads.update("t1", { values: null });
        expect(cleared?.values ?? null).toBeNull();
        expect(await store.threads.update("missing", { status: "idle" })).toBeUndefined();
      });

      it("searches with metadata/values containment, status and ids; sorts, pages and counts", async () => {
        await store.threads.create({ thread_id: "t1", metadata: { user: "ann", tags: ["a", "b"], n: { k: 1 } } });
        await sleep(2);
        await store.threads.create({ thread_id: "t2", metadata: { user: "bob" } });
        await sleep(2);
        await store.threads.create({ thread_id: "t3", metadata: { user: "ann" } });
        await sleep(2);
        await store.threads.update("t1", { values: { topic: "cats", list: [1, 2, 3] }, status: "busy" });
        await sleep(2);
        await store.threads.update("t2", { values: { topic: "dogs" } });
        const ids = async (query: Parameters<MetadataStore["threads"]["search"]>[0]) =>
          (await store.threads.search(query)).items.map((t) => t.thread_id);
        expect(await ids(page())).toEqual(["t3", "t2", "t1"]);
        expect(await ids({ ...page(), sort_order: "asc" })).toEqual(["t1", "t2", "t3"]);
        expect(await ids({ ...page(), metadata: { user: "ann" } })).toEqual(["t3", "t1"]);
        expect(await ids({ ...page(), metadata: { tags: ["b"] } })).toEqual(["t1"]);
        expect(await ids({ ...page(), metadata: { n: { k: 1 } } })).toEqual(["t1"]);
        expect(await ids({ ...page(), metadata: { user: "zed" } })).toEqual([]);
        expect(await ids({ ...page(), status: "busy" })).toEqual(["t1"]);
        expect(await ids({ ...page(), status: "idle" })).toEqual(["t3", "t2"]);
        expect(await ids({ ...page(), ids: ["t1", "t3", "nope"] })).toEqual(["t3", "t1"]);
        // Threads without values match any values filter.
        expect(await ids({ ...page(), values: { topic: "cats" } })).toEqual(["t3", "t1"]);
        expect(await ids({ ...page(), values: { list: [3] } })).toEqual(["t3", "t1"]);
        expect(await ids({ ...page(), values: { topic: "dogs" }, metadata: { user: "bob" } })).toEqual(["t2"]);
        expect(await ids({ ...page(), sort_by: "thread_id", sort_order: "desc" })).toEqual(["t3", "t2", "t1"]);
        expect(await ids({ ...page(), sort_by: "status", sort_order: "asc" })).toEqual(["t1", "t2", "t3"]);
        // updated_at: t2 was written last.
        expect((await ids({ ...page(), sort_by: "updated_at", sort_order: "desc" }))[0]).toBe("t2");
        const second = await store.threads.search({ ...page(1, 1), sort_by: "thread_id", sort_order: "asc" });
        expect(second.items.map((t) => t.thread_id)).toEqual(["t2"]);
        expect(second.total).toBe(3);
        const filtered = await store.threads.search({ ...page(1, 0), metadata: { user: "ann" } });
        expect(filtered.total).toBe(2);
        expect(filtered.items).toHaveLength(1);
        expect(await store.threads.count({})).toBe(3);
        expect(await store.threads.count({ metadata: { user: "ann" }, status: "idle" })).toBe(1);
        expect(await store.threads.count({ ids: [] })).toBe(0);
      });

      it("delete removes the thread and its runs", async () => {
        await store.threads.create({ thread_id: "t1" });
        await store.threads.create({ thread_id: "t2" });
        const [gone] = await createRuns("t1", 1);
        const [kept] = await createRuns("t2", 1);
        expect(await store.threads.delete("t1")).toBe(true);
        expect(await store.threads.get("t1")).toBeUndefined();
        expect(await store.runs.get(gone!.run_id)).toBeUndefined();
        expect(await store.runs.list("t1", page())).toEqual([]);
        expect(await store.runs.get(kept!.run_id)).toBeDefined();
        expect(await store.threads.delete("t1")).toBe(false);
      });

      it("assistantAndThread reads what assistants.get and threads.get read, each undefined when missing", async () => {
        const assistant = await store.assistants.create({ assistant_id: "a1", graph_id: "agent", config: { configurable: { k: 1 } } });
        await store.threads.create({ thread_id: "t1", metadata: { owner: "x" } });
        const thread = await store.threads.update("t1", { values: { n: 1 }, status: "idle", interrupts: {} });
        expect(await store.assistantAndThread?.("a1", "t1")).toEqual({ assistant, thread });
        expect(await store.assistantAndThread?.("a1", "nope")).toEqual({ assistant, thread: undefined });
        expect(await store.assistantAndThread?.("nope", "t1")).toEqual({ assistant: undefined, thread });
        expect(await store.assistantAndThread?.("nope", "nope")).toEqual({ assistant: undefined, thread: undefined });
        expect(store.assistantAndThread).toBeDefined();
      });

      it("truncate removes every thread and run", async () => {
        await store.threads.create({ thread_id: "t1" });
        const [run] = await createRuns("t1", 1);
        await store.threads.truncate();
        expect(await store.threads.count({})).toBe(0);
        expect(await store.runs.get(run!.run_id)).toBeUndefined();
      });
    });

    describe("runs", () => {
      beforeEach(async () => {
        await store.threads.create({ thread_id: "t1" });
        await store.threads.create({ thread_id: "t2" });
      });

      it("creates and reads a run back unchanged, optionally scoped to its thread", async () => {
        const run = makeRun("t1", { metadata: { origin: "test" }, multitask_strategy: "reject" });
        const created = await store.runs.create(run);
        expect(created).toEqual(run);
        expect(await store.runs.get(run.run_id)).toEqual(run);
        expect(await store.runs.get(run.run_id, "t1")).toEqual(run);
        expect(await store.runs.get(run.run_id, "t2")).toBeUndefined();
        expect(await store.runs.get("missing")).toBeUndefined();
      });

      it("lists a thread's runs newest first with a status filter and paging; active ones oldest first", async () => {
        const [r1, r2, r3] = await createRuns("t1", 3);
        await createRuns("t2", 1);
        expect(await store.runs.finish(r2!.run_id, "success")).toBe(true);
        const ids = (runs: Run[]) => runs.map((r) => r.run_id);
        expect(ids(await store.runs.list("t1", page()))).toEqual([r3!.run_id, r2!.run_id, r1!.run_id]);
        expect(ids(await store.runs.list("t1", page(1, 1)))).toEqual([r2!.run_id]);
        expect(ids(await store.runs.list("t1", { ...page(), status: "success" }))).toEqual([r2!.run_id]);
        expect(ids(await store.runs.list("t1", { ...page(), status: "pending" }))).toEqual([r3!.run_id, r1!.run_id]);
        expect(await store.runs.list("nope", page())).toEqual([]);
        expect(ids(await store.runs.active("t1"))).toEqual([r1!.run_id, r3!.run_id]);
        const claimed = await store.runs.claimNext("w1");
        expect(claimed?.run_id).toBe(r1!.run_id);
        expect((await store.runs.active("t1")).map((r) => [r.run_id, r.status])).toEqual([
          [r1!.run_id, "running"],
          [r3!.run_id, "pending"],
        ]);
      });

      it("claims FIFO across threads, at most one running run per thread, and marks the thread busy", async () => {
        const [a1, a2] = await createRuns("t1", 2);
        const [b1] = await createRuns("t2", 1);
        const first = await store.runs.claimNext("w1");
        expect(first).toMatchObject({ run_id: a1!.run_id, status: "running" });
        expect((await store.threads.get("t1"))?.status).toBe("busy");
        expect((await store.runs.get(a1!.run_id))?.status).toBe("running");
        // a2 is older than b1 but its thread is busy.
        const second = await store.runs.claimNext("w1");
        expect(second?.run_id).toBe(b1!.run_id);
        expect(await store.runs.claimNext("w1")).toBeUndefined();
        expect(await store.runs.finish(a1!.run_id, "success")).toBe(true);
        const third = await store.runs.claimNext("w2");
        expect(third?.run_id).toBe(a2!.run_id);
        expect(await store.runs.claimNext("w2")).toBeUndefined();
      });

      it("never hands out one run twice or two runs of one thread to concurrent claimers", async () => {
        for (const t of ["t3", "t4", "t5"]) await store.threads.create({ thread_id: t });
        for (const t of ["t1", "t2", "t3", "t4", "t5"]) await createRuns(t, 2);
        const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => store.runs.claimNext(`w${i % 3}`)));
        const claimed = claims.filter((r): r is Run => r !== undefined);
        expect(claimed).toHaveLength(5);
        expect(new Set(claimed.map((r) => r.run_id)).size).toBe(5);
        expect(new Set(claimed.map((r) => r.thread_id)).size).toBe(5);
      });

      it("honours created_at in the future (after_seconds) and reports when the next run is due", async () => {
        const now = await store.runs.create(makeRun("t2"));
        // Due but blocked behind `now` on t2: not what a timer should wait for.
        const blocked = await store.runs.create(makeRun("t2"));
        // Due in 3 s: far more than the three statements below take on a busy machine.
        const later = await store.runs.create(makeRun("t1", { created_at: isoAfter(3_000), updated_at: new Date().toISOString() }));
        expect((await store.runs.claimNext("w1"))?.run_id).toBe(now.run_id);
        expect(await store.runs.claimNext("w1")).toBeUndefined();
        expect((await store.runs.get(blocked.run_id))?.status).toBe("pending");
        const due = await store.runs.nextDueAt();
        expect(due?.toISOString()).toBe(later.created_at);
        const claimed = await pollUntil(() => store.runs.claimNext("w1"), "the delayed run to become due");
        expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(later.created_at));
        expect(claimed.run_id).toBe(later.run_id);
        expect(await store.runs.nextDueAt()).toBeUndefined();
      });

      it("finish only moves a pending or running run to a terminal status, once", async () => {
        const [pending, running] = await createRuns("t1", 1).then(async (a) => [...a, ...(await createRuns("t2", 1))]);
        await store.runs.claimNext("w1");
        await store.runs.claimNext("w1");
        expect((await store.runs.get(running!.run_id))?.status).toBe("running");
        const cancel = await store.runs.create(makeRun("t1"));
        expect(await store.runs.finish(cancel.run_id, "interrupted")).toBe(true);
        expect((await store.runs.get(cancel.run_id))?.status).toBe("interrupted");
        expect(await store.runs.finish(running!.run_id, "error")).toBe(true);
        expect(await store.runs.finish(running!.run_id, "success")).toBe(false);
        expect((await store.runs.get(running!.run_id))?.status).toBe("error");
        expect(await store.runs.finish(pending!.run_id, "timeout")).toBe(true);
        expect(await store.runs.finish("missing", "success")).toBe(false);
        const statuses: RunStatus[] = (await store.runs.list("t1", page())).map((r) => r.status);
        expect(statuses.sort()).toEqual(["interrupted", "timeout"]);
      });

      it("settleOrphaned leaves runs of this live process alone", async () => {
        await createRuns("t1", 1);
        const claimed = await store.runs.claimNext("w-live");
        expect(await store.runs.settleOrphaned("server stopped while the run was in progress")).toEqual([]);
        expect((await store.runs.get(claimed!.run_id))?.status).toBe("running");
      });

      it("creates with ifIdle only on a thread that is not busy (multitask reject)", async () => {
        const busy = { status: "busy" as const };
        const first = await store.runs.create(makeRun("t1"), busy, { ifIdle: true });
        expect((await store.threads.get("t1"))?.status).toBe("busy");
        await expect(store.runs.create(makeRun("t1"), busy, { ifIdle: true })).rejects.toMatchObject({ status: 422 });
        await expect(store.runs.create(makeRun("t1"), undefined, { ifIdle: true })).rejects.toMatchObject({ status: 422 });
        expect((await store.runs.active("t1")).map((r) => r.run_id)).toEqual([first.run_id]);
        // Other strategies still queue behind it.
        await store.runs.create(makeRun("t1"), busy);
        expect(await store.runs.active("t1")).toHaveLength(2);
        // Runs still queued make a thread busy whatever its status says (a
        // run that ended interrupted or in error, its successor not yet claimed).
        await store.threads.update("t1", { status: "interrupted" });
        await expect(store.runs.create(makeRun("t1"), busy, { ifIdle: true })).rejects.toMatchObject({ status: 422 });
        // Interrupted and error threads with nothing queued take new runs; so does an idle one without an update.
        await store.threads.create({ thread_id: "t3" });
        await store.threads.update("t3", { status: "interrupted" });
        const resumed = await store.runs.create(makeRun("t3"), busy, { ifIdle: true });
        await store.runs.finish(resumed.run_id, "error", { threadId: "t3", update: { status: "error" } });
        await store.runs.create(makeRun("t3"), busy, { ifIdle: true });
        const plain = await store.runs.create(makeRun("t2"), undefined, { ifIdle: true });
        expect((await store.runs.get(plain.run_id))?.status).toBe("pending");
        await expect(store.runs.create(makeRun("no-such-thread"), busy, { ifIdle: true })).rejects.toMatchObject({ status: 404 });
      });

      it("finish writes an idle thread as busy while another of its runs is queued", async () => {
        const [first, second] = await createRuns("t1", 2);
        expect(await store.runs.finish(first!.run_id, "success", { threadId: "t1", update: { status: "idle", values: { n: 1 } } })).toBe(true);
        expect(await store.threads.get("t1")).toMatchObject({ status: "busy", values: { n: 1 } });
        await store.runs.finish(second!.run_id, "success", { threadId: "t1", update: { status: "idle" } });
        expect((await store.threads.get("t1"))?.status).toBe("idle");
      });

      it("delete and truncate remove runs", async () => {
        const [r1, r2] = await createRuns("t1", 2);
        expect(await store.runs.delete(r1!.run_id)).toBe(true);
        expect(await store.runs.delete(r1!.run_id)).toBe(false);
        expect(await store.runs.get(r1!.run_id)).toBeUndefined();
        expect((await store.runs.list("t1", page())).map((r) => r.run_id)).toEqual([r2!.run_id]);
        expect((await store.runs.active("t1")).map((r) => r.run_id)).toEqual([r2!.run_id]);
        await store.runs.truncate();
        expect(await store.runs.get(r2!.run_id)).toBeUndefined();
        expect(await store.runs.list("t1", page())).toEqual([]);
        expect(await store.runs.active("t1")).toEqual([]);
        expect(await store.threads.get("t1")).toBeDefined();
        expect(await store.runs.claimNext("w1")).toBeUndefined();
        const [r3] = await createRuns("t1", 1);
        expect((await store.runs.list("t1", page())).map((r) => r.run_id)).toEqual([r3!.run_id]);
      });
    });
  });
}
