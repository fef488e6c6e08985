// The memory backend's protocol history is bounded: per thread (older runs
// go first, the current run keeps its stream up to a cap) and in threads
// (the least recently streamed thread loses its history), while sequence
// numbers keep rising so event ids are never reused.
import { describe, expect, it } from "vitest";
import { MemoryThreadEventLog } from "../../../src/server/persistence/memory/thread-event-log.ts";
import type { NewThreadEvent } from "../../../src/server/persistence/types.ts";

const events = (n: number): NewThreadEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    method: "values",
    channel: "values",
    namespace: [],
    params: `{"namespace":[],"timestamp":0,"data":{"i":${i}}}`,
  }));

describe("MemoryThreadEventLog retention", () => {
  it("drops older runs' events first, never reusing a seq", async () => {
    const log = new MemoryThreadEventLog({ perThread: 10, perRun: 15, threads: 10 });
    await log.append("t", "r1", events(6));
    await log.append("t", "r2", events(6));
    const kept = await log.read("t", 0, 100);
    expect(kept.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await log.position("t", "r2")).runStart).toBe(7);
    // The current run keeps its whole stream up to perRun.
    await log.append("t", "r3", events(14));
    const run3 = (await log.read("t", 0, 100)).filter((e) => e.run_id === "r3");
    expect(run3.length).toBe(14);
    expect(log.size()).toBe(14);
    await log.append("t", "r3", events(5));
    expect(log.size()).toBe(15);
    expect((await log.position("t")).last).toBe(31);
  });

  it("forgets the least recently streamed thread past the thread cap, keeping its counter", async () => {
    const log = new MemoryThreadEventLog({ perThread: 100, perRun: 100, threads: 2 });
    await log.append("a", "r", events(2));
    await log.append("b", "r", events(2));
    await log.append("c", "r", events(2));
    expect(await log.read("a", 0, 10)).toEqual([]);
    expect((await log.read("c", 0, 10)).length).toBe(2);
    await log.append("a", "r2", events(1));
    expect((await log.read("a", 0, 10)).map((e) => e.seq)).toEqual([3]);
  });

  it("reads after a cursor that fell before what is retained", async () => {
    const log = new MemoryThreadEventLog({ perThread: 3, perRun: 3, threads: 2 });
    await log.append("t", "r", events(5));
    expect((await log.read("t", 1, 10)).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect((await log.read("t", 4, 10)).map((e) => e.seq)).toEqual([5]);
    expect(await log.read("t", 5, 10)).toEqual([]);
  });
});

describe("MemoryThreadEventLog byte bounds", () => {
  const sized = (n: number, chars: number): NewThreadEvent[] =>
    Array.from({ length: n }, () => ({ method: "values", channel: "values", namespace: [], params: "x".repeat(chars) }));

  it("bounds a thread's JSON, older runs first, and the total across threads", async () => {
    const log = new MemoryThreadEventLog({ bytesPerThread: 1000, bytesTotal: 2500 });
    await log.append("t", "r1", sized(5, 100));
    await log.append("t", "r2", sized(8, 100));
    // 1,300 characters: r1's oldest three go, r2 stays whole.
    const kept = await log.read("t", 0, 100);
    expect(kept.map((e) => e.run_id)).toEqual([...Array(2).fill("r1"), ...Array(8).fill("r2")]);
    // r2 grows past the bound alone: r1 goes, then r2's oldest.
    await log.append("t", "r2", sized(4, 100));
    const now = await log.read("t", 0, 100);
    expect(now.map((e) => e.run_id)).toEqual(Array(10).fill("r2"));
    expect(now[0].seq).toBe(8);
    expect(log.bytes()).toBe(1000);
    await log.append("u", "r", sized(10, 100));
    await log.append("v", "r", sized(10, 100));
    // 3,000 would be over the total: the least recently streamed thread ("t") goes.
    expect(await log.read("t", 0, 100)).toEqual([]);
    expect(log.bytes()).toBe(2000);
  });
});
