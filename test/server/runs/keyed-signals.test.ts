// Parked stream readers wake on notify, on their poll interval, or when
// their client leaves, and leave nothing behind.
import { afterEach, describe, expect, it, vi } from "vitest";
import { KeyedSignals } from "../../../src/server/runs/keyed-signals.ts";

describe("KeyedSignals", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("wakes every reader of a key on notify, and only that key's", async () => {
    vi.useFakeTimers();
    const signals = new KeyedSignals();
    const woken: string[] = [];
    void signals.wait("a", 60_000).then(() => woken.push("a1"));
    void signals.wait("a", 60_000).then(() => woken.push("a2"));
    void signals.wait("b", 60_000).then(() => woken.push("b"));
    signals.notify("a");
    await vi.advanceTimersByTimeAsync(0);
    expect(woken).toEqual(["a1", "a2"]);
    expect(signals.size).toBe(1);
  });

  it("wakes a reader after its poll interval or when its signal aborts, and forgets it", async () => {
    vi.useFakeTimers();
    const signals = new KeyedSignals();
    let polled = false;
    void signals.wait("a", 500).then(() => (polled = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(polled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(polled).toBe(true);

    const leaving = new AbortController();
    let left = false;
    void signals.wait("b", 60_000, leaving.signal).then(() => (left = true));
    leaving.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(left).toBe(true);
    expect(signals.size).toBe(0);
  });
});
