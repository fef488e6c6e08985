// A short soak in `npm test`: 20 clients x 8 s of mixed create / run / stream
// / state / search on the memory backend (the full 50 x 60 s on both backends
// is bench/soak.ts). No errors; every run's stream buffer is freed; the
// server's heap after GC returns near its baseline once the data is deleted.
import { describe, expect, it } from "vitest";
import { formatReport, runSoak } from "../../bench/soak.ts";

describe("soak (memory, 20 clients x 8 s)", () => {
  it("has no errors, frees every run stream and returns to its baseline heap", async () => {
    // The broker keeps a finished run's events 60 s by default; 2 s here
    // keeps the test short (the freeing path is the same).
    const report = await runSoak({ clients: 20, seconds: 8, retentionMs: 2_000 });
    console.info(formatReport("memory (test)", report));
    expect(report.errorSamples).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.requests).toBeGreaterThan(200);
    for (const op of ["create", "run", "stream", "state", "search"] as const) expect(report.perOperation[op].count).toBeGreaterThan(10);
    expect(report.broker.atEnd).toBeGreaterThan(0);
    expect(report.broker.afterRetention).toBe(0);
    expect(report.runsPending).toBe(0);
    const growthMb = (report.memory.afterRetention.heapUsed - report.memory.before.heapUsed) / 1024 / 1024;
    expect(growthMb).toBeLessThan(25);
  }, 60_000);
});
