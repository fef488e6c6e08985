// The CronStore contract: one behavioural suite every backend must pass
// (memory and PostgreSQL, in cron-store.test.ts). Only the interface is used.
import { describe, expect, it } from "vitest";
import type { Cron, CronStore } from "../../../src/server/persistence/cron-store.ts";

let counter = 0;
export function makeCron(overrides: Partial<Cron> = {}): Cron {
  const at = new Date(Date.now() - 60_000 + ++counter).toISOString();
  return {
    cron_id: `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`,
    assistant_id: "asst",
    thread_id: null,
    user_id: null,
    schedule: "* * * * *",
    timezone: null,
    end_time: null,
    payload: { input: { x: "hé ✓" } },
    metadata: {},
    enabled: true,
    on_run_completed: "delete",
    next_run_date: "2030-01-01T00:01:00.000Z",
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

const minuteAfter = (cron: Cron) => new Date(Date.parse(cron.next_run_date as string) + 60_000);

export function runCronStoreContract(name: string, make: () => Promise<CronStore>): void {
  describe(`CronStore contract (${name})`, () => {
    it("creates, reads, updates and deletes", async () => {
      const store = await make();
      const cron = await store.create(makeCron({ metadata: { a: 1 }, end_time: "2031-01-01T00:00:00.000Z" }));
      expect(await store.get(cron.cron_id)).toEqual(cron);
      await expect(store.create(cron)).rejects.toMatchObject({ status: 409 });
      const updated = await store.update(cron.cron_id, { enabled: false, payload: { input: 2 }, end_time: null });
      expect(updated).toMatchObject({ enabled: false, payload: { input: 2 }, end_time: null, metadata: { a: 1 } });
      expect(Date.parse(updated!.updated_at)).toBeGreaterThanOrEqual(Date.parse(cron.updated_at));
      expect(await store.update("00000000-0000-4000-8000-999999999999", { enabled: true })).toBeUndefined();
      expect(await store.delete(cron.cron_id)).toBe(true);
      expect(await store.delete(cron.cron_id)).toBe(false);
      expect(await store.get(cron.cron_id)).toBeUndefined();
    });

    it("searches with filters, sort and paging; counts", async () => {
      const store = await make();
      const a = await store.create(makeCron({ assistant_id: "x", metadata: { team: "red", n: 1 }, next_run_date: "2030-01-01T03:00:00.000Z" }));
      const b = await store.create(makeCron({ assistant_id: "y", thread_id: "t1", metadata: { team: "blue" }, next_run_date: null, enabled: false }));
      const c = await store.create(makeCron({ assistant_id: "x", metadata: { team: "red" }, next_run_date: "2030-01-01T01:00:00.000Z" }));
      const ids = (crons: Cron[]) => crons.map((x) => x.cron_id);
      expect(ids(await store.search({ limit: 10, offset: 0 }))).toEqual([c.cron_id, b.cron_id, a.cron_id]);
      expect(ids(await store.search({ limit: 10, offset: 0, sort_by: "next_run_date", sort_order: "asc" }))).toEqual([
        c.cron_id,
        a.cron_id,
        b.cron_id,
      ]);
      expect(ids(await store.search({ limit: 10, offset: 0, assistant_id: "x", sort_order: "asc" }))).toEqual([a.cron_id, c.cron_id]);
      expect(ids(await store.search({ limit: 10, offset: 0, thread_id: "t1" }))).toEqual([b.cron_id]);
      expect(ids(await store.search({ limit: 10, offset: 0, enabled: false }))).toEqual([b.cron_id]);
      expect(ids(await store.search({ limit: 1, offset: 1, metadata: { team: "red" } }))).toEqual([a.cron_id]);
      expect(await store.count({})).toBe(3);
      expect(await store.count({ metadata: { team: "red", n: 1 } })).toBe(1);
      expect(await store.count({ assistant_id: "y" })).toBe(1);
    });

    it("claims a due time once, advances next_run_date, skips disabled and future crons", async () => {
      const store = await make();
      const due = await store.create(makeCron({ next_run_date: "2030-01-01T00:01:00.000Z" }));
      await store.create(makeCron({ next_run_date: "2030-01-01T00:05:00.000Z" }));
      await store.create(makeCron({ next_run_date: "2030-01-01T00:00:00.000Z", enabled: false }));
      const now = new Date("2030-01-01T00:01:30.000Z");
      const claimed = await store.claimDue(now, "w1", 10, minuteAfter);
      expect(claimed).toHaveLength(1);
      expect(claimed[0].cron.cron_id).toBe(due.cron_id);
      expect(claimed[0].cron.next_run_date).toBe("2030-01-01T00:02:00.000Z");
      expect(claimed[0].firing).toMatchObject({ due_at: "2030-01-01T00:01:00.000Z", status: "claimed", claimed_by: "w1" });
      expect(await store.claimDue(now, "w2", 10, minuteAfter)).toEqual([]);
      expect((await store.get(due.cron_id))?.next_run_date).toBe("2030-01-01T00:02:00.000Z");
    });

    it("a cron with no next time (past its end) is left alone after its last firing", async () => {
      const store = await make();
      const cron = await store.create(makeCron({ next_run_date: "2030-01-01T00:01:00.000Z" }));
      const now = new Date("2030-01-01T00:02:00.000Z");
      expect(await store.claimDue(now, "w", 10, () => null)).toHaveLength(1);
      expect((await store.get(cron.cron_id))?.next_run_date).toBeNull();
      expect(await store.claimDue(new Date("2031-01-01T00:00:00.000Z"), "w", 10, () => null)).toEqual([]);
    });

    it("settles a firing once; lists firings newest first; finds stale claims", async () => {
      const store = await make();
      const cron = await store.create(makeCron({ next_run_date: "2030-01-01T00:01:00.000Z" }));
      const [first] = await store.claimDue(new Date("2030-01-01T00:01:00.000Z"), "w", 10, minuteAfter);
      const [second] = await store.claimDue(new Date("2030-01-01T00:02:00.000Z"), "w", 10, minuteAfter);
      expect(await store.settleFiring(cron.cron_id, first.firing.due_at, { status: "started", run_id: "r1", thread_id: "t1" })).toBe(true);
      expect(await store.settleFiring(cron.cron_id, first.firing.due_at, { status: "failed", error: "late" })).toBe(false);
      const firings = await store.firings(cron.cron_id, 10);
      expect(firings.map((f) => [f.due_at, f.status, f.run_id])).toEqual([
        [second.firing.due_at, "claimed", null],
        ["2030-01-01T00:01:00.000Z", "started", "r1"],
      ]);
      expect(await store.staleFirings(new Date(Date.now() - 60_000), 10)).toEqual([]);
      const stale = await store.staleFirings(new Date(Date.now() + 60_000), 10);
      expect(stale.map((s) => [s.cron.cron_id, s.firing.due_at])).toEqual([[cron.cron_id, second.firing.due_at]]);
      expect(stale[0].cron.payload).toEqual(cron.payload);
      await store.delete(cron.cron_id);
      expect(await store.firings(cron.cron_id, 10)).toEqual([]);
    });
  });
}
