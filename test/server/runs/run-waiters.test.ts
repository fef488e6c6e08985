// Waiters of a run's end: resolved by notify, remembered briefly for joins
// that race the end, and (shared backend) polled in case the end was
// notified by another process and the notification was lost.
import { afterEach, describe, expect, it, vi } from "vitest";
import { RunWaiters, type RunEnded } from "../../../src/server/runs/run-waiters.ts";
import type { Run } from "../../../src/server/persistence/types.ts";

const run = (status: Run["status"]): Run => ({ run_id: "r1", thread_id: "t1", status }) as Run;
const ended: RunEnded = { run: run("success"), result: { outcome: "success", lastValues: { n: 1 } } };

function waiters(options: Partial<ConstructorParameters<typeof RunWaiters>[0]> = {}) {
  return new RunWaiters({ isRunningHere: () => false, onEndedElsewhere: () => undefined, stopping: new AbortController().signal, ...options });
}

describe("RunWaiters", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves every waiter of a run with how it ended", async () => {
    const w = waiters();
    const first = w.waitFor("r1");
    const second = w.waitFor("r1");
    w.notify("r1", ended);
    await expect(first).resolves.toBe(ended);
    await expect(second).resolves.toBe(ended);
    expect(w.waiting).toBe(0);
  });

  it("answers a wait that arrives just after the end, then forgets the run", async () => {
    vi.useFakeTimers();
    const w = waiters();
    w.notify("r1", ended);
    expect(w.endedHere("r1")).toBe(ended);
    await expect(w.waitFor("r1")).resolves.toBe(ended);
    vi.advanceTimersByTime(30_001);
    expect(w.endedHere("r1")).toBeUndefined();
  });

  it("resolves with undefined a run that will never execute, and does not remember it", async () => {
    const w = waiters();
    const waiting = w.waitFor("r1");
    w.notify("r1");
    await expect(waiting).resolves.toBeUndefined();
    expect(w.endedHere("r1")).toBeUndefined();
  });

  it("polls a run executing elsewhere until its record says it ended", async () => {
    vi.useFakeTimers();
    let status: Run["status"] = "running";
    const getRun = vi.fn(async () => run(status));
    const onEndedElsewhere = vi.fn((runId: string) => w.notify(runId));
    const w = waiters({ poll: { getRun, intervalMs: 100 }, onEndedElsewhere });
    const waiting = w.waitFor("r1");
    await vi.advanceTimersByTimeAsync(250);
    expect(getRun).toHaveBeenCalledTimes(2);
    expect(onEndedElsewhere).not.toHaveBeenCalled();
    status = "success";
    await vi.advanceTimersByTimeAsync(100);
    expect(onEndedElsewhere).toHaveBeenCalledWith("r1");
    await expect(waiting).resolves.toBeUndefined();
  });

  it("does not poll a run executing here, nor after the server stops", async () => {
    vi.useFakeTimers();
    const getRun = vi.fn(async () => run("running"));
    const here = waiters({ poll: { getRun, intervalMs: 100 }, isRunningHere: () => true });
    void here.waitFor("r1");
    await vi.advanceTimersByTimeAsync(500);
    expect(getRun).not.toHaveBeenCalled();

    const stopping = new AbortController();
    const elsewhere = waiters({ poll: { getRun, intervalMs: 100 }, stopping: stopping.signal });
    void elsewhere.waitFor("r1");
    await vi.advanceTimersByTimeAsync(150);
    stopping.abort();
    const calls = getRun.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(getRun.mock.calls.length).toBeLessThanOrEqual(calls + 1);
  });
});
