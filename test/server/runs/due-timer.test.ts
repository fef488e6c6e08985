// The due timer wakes a worker when a delayed (after_seconds) run is due.
// Fake timers: these pin the arithmetic of arming, not the machine's speed.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DueTimer } from "../../../src/server/runs/due-timer.ts";

describe("DueTimer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("wakes a worker once the time has come, not before", () => {
    const wake = vi.fn();
    const timer = new DueTimer(wake, async () => undefined);
    timer.scheduleAt(new Date(Date.now() + 2_000));
    vi.advanceTimersByTime(1_999);
    expect(wake).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("keeps the earlier of two due times and re-arms for an earlier one", () => {
    const wake = vi.fn();
    const timer = new DueTimer(wake, async () => undefined);
    timer.scheduleAt(new Date(Date.now() + 5_000));
    timer.scheduleAt(new Date(Date.now() + 9_000));
    vi.advanceTimersByTime(5_010);
    expect(wake).toHaveBeenCalledTimes(1);
    timer.scheduleAt(new Date(Date.now() + 5_000));
    timer.scheduleAt(new Date(Date.now() + 1_000));
    vi.advanceTimersByTime(1_010);
    expect(wake).toHaveBeenCalledTimes(2);
  });

  it("waits out a delay beyond setTimeout's limit in steps instead of firing at once", () => {
    const wake = vi.fn();
    const timer = new DueTimer(wake, async () => undefined);
    const day = 24 * 60 * 60_000;
    timer.scheduleAt(new Date(Date.now() + 30 * day));
    vi.advanceTimersByTime(29 * day);
    expect(wake).not.toHaveBeenCalled();
    vi.advanceTimersByTime(day + 10);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("arms the timer for the next due run it looks up", async () => {
    const wake = vi.fn();
    const due = new Date(Date.now() + 3_000);
    const timer = new DueTimer(wake, async () => due);
    await timer.scheduleDue();
    vi.advanceTimersByTime(3_010);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("a throttled look-up re-arms for the end of the second instead of being dropped", async () => {
    // The first look-up finds nothing due yet; a delayed run is created just
    // after. The second look-up, within the same second, is throttled: it
    // must still wake a worker once the second is over, or (memory has no
    // poll) the delayed run would wait forever.
    const wake = vi.fn();
    const nextDueAt = vi.fn(async (): Promise<Date | undefined> => undefined);
    const timer = new DueTimer(wake, nextDueAt);
    await timer.scheduleDue();
    vi.advanceTimersByTime(300);
    await timer.scheduleDue();
    expect(nextDueAt).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(800);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("looks up again once the second is over", async () => {
    const nextDueAt = vi.fn(async (): Promise<Date | undefined> => undefined);
    const timer = new DueTimer(() => undefined, nextDueAt);
    await timer.scheduleDue();
    vi.advanceTimersByTime(1_000);
    await timer.scheduleDue();
    expect(nextDueAt).toHaveBeenCalledTimes(2);
  });

  it("does not wake anyone after stop", () => {
    const wake = vi.fn();
    const timer = new DueTimer(wake, async () => undefined);
    timer.scheduleAt(new Date(Date.now() + 1_000));
    timer.stop();
    timer.scheduleAt(new Date(Date.now() + 2_000));
    vi.advanceTimersByTime(5_000);
    expect(wake).not.toHaveBeenCalled();
  });
});
