// A short soak in `npm test`: 20 clients x 8 s of mixed create / run / stream
// / state / search on the memory backend, and 10 x 5 s on PostgreSQL (the
// full 50 x 60 s on both is bench/soak.ts). No errors; every run's stream
// buffer is freed; the server's heap after GC returns near its baseline once
// the data is deleted.
import { afterAll, describe, expect, it } from "vitest";
import { formatReport, runSoak, type SoakReport } from "../../bench/soak.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";

function expectHealthy(report: SoakReport, minRequests: number): void {
  expect(report.errorSamples).toEqual([]);
  expect(report.errors).toBe(0);
  expect(report.requests).toBeGreaterThan(minRequests);
  for (const op of ["create", "run", "stream", "state", "search"] as const) expect(report.perOperation[op].count).toBeGreaterThan(5);
  expect(report.broker.atEnd).toBeGreaterThan(0);
  expect(report.broker.afterRetention).toBe(0);
  expect(report.runsPending).toBe(0);
  const growthMb = (report.memory.afterRetention.heapUsed - report.memory.before.heapUsed) / 1024 / 1024;
  expect(growthMb).toBeLessThan(25);
}

describe("soak", () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  // The broker keeps a finished run's events 60 s by default; 2 s here keeps
  // the test short (the freeing path is the same).
  it("memory, 20 clients x 8 s: no errors, every run stream freed, heap back near its baseline", async () => {
    // At least two rounds of every operation per client, however slow the machine.
    const report = await runSoak({ clients: 20, seconds: 8, minRounds: 2, retentionMs: 2_000 });
    console.info(formatReport("memory (test)", report));
    expectHealthy(report, 200);
  }, 180_000);

  it("postgres, 10 clients x 5 s: the same", async () => {
    db = await createTestDatabase();
    const report = await runSoak({
      clients: 10,
      seconds: 5,
      minRounds: 1,
      retentionMs: 2_000,
      settings: { checkpointerScheme: "postgres", checkpointerUri: db.uri },
    });
    console.info(formatReport("postgres (test)", report));
    expectHealthy(report, 50);
  }, 180_000);
});
