// client.crons through the SDK on memory and PostgreSQL, with a test clock:
// a due time passes when the test says so, not after a minute.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";
import { ManualClock } from "../../../src/server/clock.ts";

const START = Date.parse("2030-01-01T00:00:30Z");
const MINUTE = 60_000;

describe.each(BACKENDS)("crons (%s)", (backend) => {
  let server: TestServer;
  const clock = new ManualClock(START);
  beforeAll(async () => {
    server = await startTestServer(backend, { settings: { clock, cronIntervalMs: 50, cronClaimTimeoutMs: 1000 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const runsOf = async (threadId: string) => server.client.runs.list(threadId, { limit: 100 });

  /**
   * Resolves once the scheduler has finished a whole pass begun after this
   * call (its second claim comes after the first pass fired all it claimed):
   * whatever it was firing then is done, so "nothing more fired" is a fact,
   * not a bet on a sleep.
   */
  async function schedulerPassed(): Promise<void> {
    const claims = vi.spyOn(server.app.context.persistence.crons, "claimDue");
    try {
      await vi.waitFor(() => expect(claims.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 20 });
    } finally {
      claims.mockRestore();
    }
  }

  it("/info reports crons", async () => {
    const info = (await (await fetch(`${server.url}/info`)).json()) as { flags: { crons: boolean } };
    expect(info.flags.crons).toBe(true);
  });

  it("createForThread returns the cron with its next run date and fires as an ordinary run when due", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "simple", {
      schedule: "*/5 * * * *",
      input: { messages: ["tick"] },
      metadata: { owner: "test" },
    });
    expect(cron).toMatchObject({ thread_id: thread.thread_id, schedule: "*/5 * * * *", enabled: true, metadata: { owner: "test" } });
    expect(cron.next_run_date).toBe("2030-01-01T00:05:00.000Z");
    expect(cron.payload).toMatchObject({ input: { messages: ["tick"] } });
    expect(await runsOf(thread.thread_id)).toHaveLength(0);

    clock.set(Date.parse("2030-01-01T00:05:00Z"));
    await vi.waitFor(async () => expect(await runsOf(thread.thread_id)).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const [run] = await runsOf(thread.thread_id);
    expect(run.metadata).toMatchObject({ cron_id: cron.cron_id, cron_due_at: "2030-01-01T00:05:00.000Z" });
    await vi.waitFor(async () => expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success"), { timeout: 20_000 });
    expect((await client.threads.getState(thread.thread_id)).values).toMatchObject({ messages: ["tick", "a", "b"] });
    const [after] = await client.crons.search({ threadId: thread.thread_id });
    expect(after.next_run_date).toBe("2030-01-01T00:10:00.000Z");
    await client.crons.delete(cron.cron_id);
  });

  it("after downtime fires once for the missed due times, then continues from the present", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "simple", { schedule: "* * * * *", multitaskStrategy: "enqueue" });
    // Ten minutes pass at once: ten due times, one firing.
    clock.advance(10 * MINUTE);
    await vi.waitFor(async () => expect(await runsOf(thread.thread_id)).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const [current] = await client.crons.search({ threadId: thread.thread_id });
    expect(Date.parse(current.next_run_date as string)).toBeGreaterThan(clock.now());
    expect(Date.parse(current.next_run_date as string) - clock.now()).toBeLessThanOrEqual(MINUTE);
    await schedulerPassed();
    expect(await runsOf(thread.thread_id)).toHaveLength(1);
    await client.crons.delete(cron.cron_id);
  });

  it("a stateless cron creates a new thread per firing, kept with onRunCompleted keep", async () => {
    const { client } = server;
    const cron = await client.crons.create("simple", {
      schedule: "0 * * * *",
      input: { messages: ["s"] },
      onRunCompleted: "keep",
      metadata: { kind: "stateless" },
    });
    expect(cron.thread_id).toBeNull();
    expect((cron as { on_run_completed?: string }).on_run_completed).toBe("keep");
    const before = Date.parse(cron.next_run_date as string);
    clock.set(before);
    await vi.waitFor(
      async () => {
        const threads = await client.threads.search({ metadata: { cron_id: cron.cron_id }, limit: 10 });
        expect(threads).toHaveLength(1);
        expect(threads[0].status).toBe("idle");
        expect(threads[0].values).toMatchObject({ messages: ["s", "a", "b"] });
      },
      { timeout: 20_000, interval: 50 },
    );
    const firings = (await (await fetch(`${server.url}/runs/crons/${cron.cron_id}/firings?limit=5`)).json()) as { status: string; run_id: string }[];
    expect(firings).toHaveLength(1);
    expect(firings[0].status).toBe("started");
    await client.crons.delete(cron.cron_id);
  });

  it("records a firing that cannot start (thread busy, strategy reject) instead of losing it", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const blocker = await client.runs.create(thread.thread_id, "slow", { input: { sleep: 60_000 } });
    const cron = await client.crons.createForThread(thread.thread_id, "slow", { schedule: "* * * * *", input: { sleep: 0 } });
    clock.advance(MINUTE);
    await vi.waitFor(
      async () => {
        const res = await fetch(`${server.url}/runs/crons/${cron.cron_id}/firings`);
        const firings = (await res.json()) as { status: string; error: string | null }[];
        expect(firings).toHaveLength(1);
        expect(firings[0].status).toBe("failed");
        expect(firings[0].error).toMatch(/already running/);
      },
      { timeout: 20_000, interval: 50 },
    );
    await client.runs.cancel(thread.thread_id, blocker.run_id, true);
    await client.crons.delete(cron.cron_id);
  });

  it("update changes the schedule, payload and enabled; a paused cron does not fire and resumes from now", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "simple", { schedule: "0 0 * * *", timezone: "Europe/Paris" });
    // Midnight in Paris is 23:00 UTC in winter.
    expect(new Date(cron.next_run_date as string).getUTCHours()).toBe(23);
    const paused = await client.crons.update(cron.cron_id, { enabled: false, schedule: "* * * * *", input: { messages: ["u"] } });
    expect(paused).toMatchObject({ enabled: false, schedule: "* * * * *", payload: { input: { messages: ["u"] } } });
    clock.advance(5 * MINUTE);
    await schedulerPassed();
    expect(await runsOf(thread.thread_id)).toHaveLength(0);
    const resumed = await client.crons.update(cron.cron_id, { enabled: true });
    expect(Date.parse(resumed.next_run_date as string)).toBeGreaterThan(clock.now());
    clock.advance(MINUTE);
    await vi.waitFor(async () => expect(await runsOf(thread.thread_id)).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const cleared = await client.crons.update(cron.cron_id, { endTime: new Date(clock.now() - MINUTE).toISOString() });
    expect(cleared.next_run_date).toBeNull();
    const reopened = await client.crons.update(cron.cron_id, { endTime: null });
    expect(reopened.end_time).toBeNull();
    expect(reopened.next_run_date).not.toBeNull();
    await client.crons.delete(cron.cron_id);
  });

  it("search filters, sorts, pages and selects; count counts", async () => {
    const { client } = server;
    await fetch(`${server.url}/internal/truncate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ crons: true }),
    });
    clock.set(Date.parse("2030-02-01T00:00:00Z"));
    const thread = await client.threads.create();
    const a = await client.crons.create("simple", { schedule: "0 1 * * *", metadata: { team: "x" } });
    const b = await client.crons.create("slow", { schedule: "0 2 * * *", metadata: { team: "y" }, enabled: false });
    const c = await client.crons.createForThread(thread.thread_id, "simple", { schedule: "0 3 * * *", metadata: { team: "x" } });
    expect((await client.crons.search()).map((x) => x.cron_id)).toEqual([c.cron_id, b.cron_id, a.cron_id]);
    expect((await client.crons.search({ sortBy: "next_run_date", sortOrder: "asc" })).map((x) => x.cron_id)).toEqual([
      a.cron_id,
      b.cron_id,
      c.cron_id,
    ]);
    expect((await client.crons.search({ assistantId: "simple" })).map((x) => x.cron_id).sort()).toEqual([a.cron_id, c.cron_id].sort());
    expect((await client.crons.search({ threadId: thread.thread_id })).map((x) => x.cron_id)).toEqual([c.cron_id]);
    expect((await client.crons.search({ enabled: false })).map((x) => x.cron_id)).toEqual([b.cron_id]);
    expect((await client.crons.search({ metadata: { team: "x" }, limit: 1, offset: 1 })).map((x) => x.cron_id)).toEqual([a.cron_id]);
    expect(await client.crons.search({ select: ["cron_id", "schedule"], limit: 1 })).toEqual([{ cron_id: c.cron_id, schedule: "0 3 * * *" }]);
    expect(await client.crons.count()).toBe(3);
    expect(await client.crons.count({ assistantId: "simple" })).toBe(2);
    expect(await client.crons.count({ metadata: { team: "y" } })).toBe(1);
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(1);
  });

  it("rejects bad input with a 422 naming the field", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ schedule: "61 * * * *" }, /'schedule'.*minute/],
      [{ schedule: "every day" }, /'schedule'/],
      [{ schedule: "0 0 30 2 *" }, /'schedule'.*never fires/],
      [{ schedule: "* * * * *", timezone: "Mars/Olympus_Mons" }, /'timezone'/],
      [{ schedule: "* * * * *", endTime: "2030-02-30T00:00:00Z" }, /'end_time'/],
      [{ schedule: "* * * * *", multitaskStrategy: "sometimes" }, /multitask_strategy/],
    ];
    for (const [payload, message] of cases) {
      const error = await client.crons.createForThread(thread.thread_id, "simple", payload as never).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message, JSON.stringify(payload)).toMatch(/HTTP 422/);
      expect(error?.message, JSON.stringify(payload)).toMatch(message);
    }
    await expect(client.crons.create("simple", {} as never)).rejects.toThrow(/HTTP 422.*schedule/);
    await expect(client.crons.create("no-such-graph", { schedule: "* * * * *" })).rejects.toThrow(/HTTP 404/);
    await expect(client.crons.createForThread("00000000-0000-4000-8000-000000000000", "simple", { schedule: "* * * * *" })).rejects.toThrow(
      /HTTP 404.*Thread/,
    );
    await expect(client.crons.update("00000000-0000-4000-8000-000000000000", { enabled: false })).rejects.toThrow(/HTTP 404.*Cron/);
    await expect(client.crons.delete("00000000-0000-4000-8000-000000000000")).rejects.toThrow(/HTTP 404/);
    const cron = await client.crons.createForThread(thread.thread_id, "simple", { schedule: "* * * * *" });
    await expect(client.crons.update(cron.cron_id, { schedule: "* * *" })).rejects.toThrow(/HTTP 422.*'schedule'/);
    await expect(client.crons.update(cron.cron_id, { timezone: "Nowhere/Land" })).rejects.toThrow(/HTTP 422.*'timezone'/);
    await client.crons.delete(cron.cron_id);
  });

  it("a firing whose claimer died is fired by the scheduler once its claim times out", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "simple", { schedule: "0 0 1 1 *" });
    // A process claims the due time, then dies before starting the run.
    const store = server.app.context.persistence.crons;
    const claimed = await store.claimDue(new Date(Date.parse(cron.next_run_date as string) + 1000), "dead-worker", 50, () => null);
    expect(claimed.map((c) => c.cron.cron_id)).toContain(cron.cron_id);
    await vi.waitFor(async () => expect(await runsOf(thread.thread_id)).toHaveLength(1), { timeout: 20_000, interval: 100 });
    const [run] = await runsOf(thread.thread_id);
    expect(run.metadata).toMatchObject({ cron_id: cron.cron_id, cron_due_at: cron.next_run_date });
    await schedulerPassed();
    expect(await runsOf(thread.thread_id)).toHaveLength(1);
    await client.crons.delete(cron.cron_id);
  });

  it("a cron-started run streams like any run (join stream)", async () => {
    const { client } = server;
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "slow", {
      schedule: "* * * * *",
      input: { sleep: 300 },
      streamMode: ["values", "updates"],
      streamResumable: true,
    });
    clock.advance(MINUTE);
    await vi.waitFor(async () => expect(await runsOf(thread.thread_id)).toHaveLength(1), { timeout: 20_000, interval: 25 });
    const [run] = await runsOf(thread.thread_id);
    const events = [];
    for await (const event of client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" } as never)) events.push(event);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["values", "updates"]));
    expect(events.filter((e) => e.event === "values").at(-1)?.data).toMatchObject({ messages: ["worked", "after"] });
    await client.crons.delete(cron.cron_id);
  });

  it("hostile input is a 422 naming the problem, never a 500", async () => {
    const thread = await server.client.threads.create();
    const cases: [string, string, unknown][] = [
      ["POST", "/runs/crons", { assistant_id: "simple", schedule: "* * * * *", end_time: "0000-01-01T00:00:00Z" }],
      ["POST", "/runs/crons", { assistant_id: "simple", schedule: "* * * * *", end_time: "99999-01-01T00:00:00Z" }],
      ["POST", "/runs/crons", { assistant_id: "simple", schedule: "x".repeat(100_000) }],
      ["POST", "/runs/crons", [1, 2]],
      ["POST", "/runs/crons/search", { assistant_id: "a\u0000" }],
      ["POST", "/runs/crons/count", { thread_id: "\u0000" }],
      ["POST", "/runs/crons/search", { sort_by: "seq; drop table app_crons" }],
      ["PATCH", "/runs/crons/not-a-uuid", { enabled: true }],
      ["GET", "/runs/crons/00000000-0000-4000-8000-000000000000/firings?limit=abc", undefined],
      ["POST", `/threads/${thread.thread_id}/runs/crons`, { assistant_id: "simple", schedule: "* * * * *", timezone: "" }],
      ["POST", "/threads", { ttl: { ttl: 1e308 } }],
      ["PUT", "/store/items", { namespace: ["a"], key: "k", value: {}, ttl: 1e308 }],
    ];
    for (const [method, path, body] of cases) {
      const res = await fetch(server.url + path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, `${method} ${path} ${text}`).toBe(422);
      expect(text, `${method} ${path}`).toContain("Invalid ");
    }
  });

  it("previews the next five due times of a schedule", async () => {
    const res = await fetch(`${server.url}/runs/crons/preview`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ schedule: "0 9 * * 1-5", timezone: "UTC" }),
    });
    const { next_run_dates } = (await res.json()) as { next_run_dates: string[] };
    expect(next_run_dates).toHaveLength(5);
    for (const d of next_run_dates) expect(new Date(d).getUTCHours()).toBe(9);
  });
});
