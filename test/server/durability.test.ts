// The promise of Postgres persistence, tested as a user meets it: `skeino
// serve --postgres-uri` as a child process, the SDK client, and a restart
// (SIGTERM) or a crash (SIGKILL in the middle of a run) between writing and
// reading. Crash policy (src/server/app.ts at boot, settleOrphaned): a run
// left running by a dead process is marked error with "server stopped while
// the run was in progress" and its thread leaves busy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import pg from "pg";
import type { Client } from "@langchain/langgraph-sdk";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { killAllCliChildren, REPO_ROOT, startCli, type CliServer } from "../helpers/cli.ts";
import { pollUntil } from "../helpers/wait.ts";

const manifest = join(REPO_ROOT, "test/fixtures/durable-project/langgraph.json");
const SETTLED_MESSAGE = "server stopped while the run was in progress";

interface LogState {
  log: string[];
  napMs?: number;
}

let db: TestDatabase;
const serve = () => startCli(["--config", manifest, "--port", "0", "--postgres-uri", db.uri, "--log-level", "error"]);

/** Everything a user can read about a thread through the API. */
async function snapshot(client: Client, threadId: string) {
  const runs = await client.runs.list(threadId, { limit: 100 });
  return {
    thread: await client.threads.get(threadId),
    state: await client.threads.getState<LogState>(threadId),
    history: await client.threads.getHistory<LogState>(threadId, { limit: 100 }),
    runs,
    eachRun: await Promise.all(runs.map((run) => client.runs.get(threadId, run.run_id))),
  };
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs?: number): Promise<T> {
  let last: T | undefined;
  return pollUntil(
    async () => {
      last = await read();
      return ok(last) ? last : undefined;
    },
    what,
    { timeoutMs, intervalMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last: ${JSON.stringify(last)}`);
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await killAllCliChildren();
  await db?.drop();
});

describe("durability of skeino serve on PostgreSQL", () => {
  it("keeps state, history, thread metadata and runs identical across a SIGTERM restart", async () => {
    const first = await serve();
    expect(first.stdout()).toMatch(/^persistence: postgres; graphs: steps, nap$/m);
    const { client } = first;
    const thread = await client.threads.create({ metadata: { owner: "durability-test", attempt: 1 } });
    await client.runs.wait(thread.thread_id, "steps", { input: { log: ["in"] } });
    await client.runs.wait(thread.thread_id, "steps", { input: { log: ["again"] }, metadata: { why: "second run" } });
    await client.threads.update(thread.thread_id, { metadata: { note: "before restart" } });
    const before = await snapshot(client, thread.thread_id);
    // Sanity: the snapshot has what we wrote, so "identical" means something.
    expect(before.state.values.log).toEqual(["in", "first", "second", "third", "again", "first", "second", "third"]);
    expect(before.history.length).toBe(10); // per run: input, 3 steps, and the loop's first checkpoint
    expect(before.thread.metadata).toMatchObject({ owner: "durability-test", attempt: 1, note: "before restart" });
    expect(before.runs.map((r) => r.status)).toEqual(["success", "success"]);
    expect(before.thread.status).toBe("idle");

    expect(await first.stop("SIGTERM")).toBe("0/null");

    const second = await serve();
    const after = await snapshot(second.client, thread.thread_id);
    expect(after).toEqual(before);
    await second.stop("SIGTERM");
  }, 60_000);

  it("keeps the completed steps of a run killed with SIGKILL, settles the run and frees the thread", async () => {
    const first = await serve();
    const { client } = first;
    const thread = await client.threads.create({ metadata: { owner: "crash-test" } });
    const run = await client.runs.create(thread.thread_id, "nap", { input: { log: ["in"], napMs: 120_000 } });
    // "first" and "second" are checkpointed once the head checkpoint waits on "nap".
    const sleeping = await until(
      "the run to reach the sleeping node",
      () => client.threads.getState<LogState>(thread.thread_id),
      (state) => state.next.length === 1 && state.next[0] === "nap",
    );
    expect(sleeping.values.log).toEqual(["in", "first", "second"]);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("running");
    expect((await client.threads.get(thread.thread_id)).status).toBe("busy");
    const historyBefore = await client.threads.getHistory<LogState>(thread.thread_id, { limit: 100 });

    expect(await first.stop("SIGKILL")).toBe("null/SIGKILL");

    const second: CliServer = await serve();
    const c2 = second.client;
    // The completed steps survived, exactly.
    const historyAfter = await c2.threads.getHistory<LogState>(thread.thread_id, { limit: 100 });
    expect(historyAfter).toEqual(historyBefore);
    const state = await c2.threads.getState<LogState>(thread.thread_id);
    expect(state.values.log).toEqual(["in", "first", "second"]);
    expect(state.next).toEqual(["nap"]);

    // Settled at boot (or, had PostgreSQL not yet noticed the dead process's
    // connection, by the 30 s reaper): the run is an error, the thread is not busy.
    const settled = await until(
      "the orphaned run to be settled",
      () => c2.runs.get(thread.thread_id, run.run_id),
      (r) => r.status !== "running",
      60_000,
    );
    expect(settled.status).toBe("error");
    const settledThread = await c2.threads.get(thread.thread_id);
    expect(settledThread.status).toBe("error");
    // The reason is visible on the thread (GET /threads/:id "error") and kept on the run row.
    expect((settledThread as unknown as { error?: { message?: string } }).error).toEqual({ message: SETTLED_MESSAGE });
    const admin = new pg.Client({ connectionString: db.uri });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ message: string; ended: boolean }>(
        "SELECT error->>'message' AS message, ended_at IS NOT NULL AS ended FROM app_runs WHERE run_id = $1",
        [run.run_id],
      );
      expect(rows).toEqual([{ message: SETTLED_MESSAGE, ended: true }]);
    } finally {
      await admin.end();
    }

    // The thread takes new runs. New input starts from START on top of the
    // kept state (the interrupted "nap" task is not resumed).
    const done = await c2.runs.wait(thread.thread_id, "nap", { input: { log: ["retry"], napMs: 0 } });
    expect(done).toEqual({ log: ["in", "first", "second", "retry", "first", "second", "nap", "last"], napMs: 0 });
    const finished = await c2.threads.get(thread.thread_id);
    expect(finished.status).toBe("idle");
    const runs = await c2.runs.list(thread.thread_id);
    expect(runs.map((r) => r.status)).toEqual(["success", "error"]);
    await second.stop("SIGTERM");
  }, 90_000);
});
