// The CronStore contract on both backends, and what only PostgreSQL can
// show: concurrent claimers on separate pools never get the same due time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { MemoryCronStore } from "../../../src/server/persistence/memory/cron-store.ts";
import { PostgresCronStore } from "../../../src/server/persistence/postgres/cron-store.ts";
import { migrate } from "../../../src/server/persistence/postgres/migrations.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { makeCron, runCronStoreContract } from "./cron-contract.ts";

runCronStoreContract("memory", async () => new MemoryCronStore());

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.uri, max: 4 });
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

runCronStoreContract("postgres", async () => {
  const store = new PostgresCronStore(pool);
  await store.truncate();
  return store;
});

describe("PostgreSQL cron claims", () => {
  it("8 claimers on 4 pools racing over 50 due crons: each due time claimed exactly once", async () => {
    const store = new PostgresCronStore(pool);
    await store.truncate();
    for (let i = 0; i < 50; i++) await store.create(makeCron({ next_run_date: "2030-01-01T00:01:00.000Z" }));
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: db.uri, max: 2 }));
    try {
      const now = new Date("2030-01-01T00:01:30.000Z");
      const next = () => new Date("2030-01-01T00:02:00.000Z");
      const results = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const claimer = new PostgresCronStore(pools[i % 4]);
          const mine: string[] = [];
          for (;;) {
            const batch = await claimer.claimDue(now, `w${i}`, 3, next);
            if (batch.length === 0) return mine;
            mine.push(...batch.map((b) => b.cron.cron_id));
          }
        }),
      );
      const all = results.flat();
      expect(all).toHaveLength(50);
      expect(new Set(all).size).toBe(50);
      expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
