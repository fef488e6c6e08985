// TtlStore on PostgreSQL: one sweeper at a time across processes (the
// advisory lock), and expiry computed from the thread's last update.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { PostgresTtlStore } from "../../../src/server/persistence/postgres/ttl-store.ts";
import { migrate } from "../../../src/server/persistence/postgres/migrations.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

let db: TestDatabase;
let pools: pg.Pool[];
beforeAll(async () => {
  db = await createTestDatabase();
  pools = [new pg.Pool({ connectionString: db.uri, max: 2 }), new pg.Pool({ connectionString: db.uri, max: 2 })];
  await migrate(pools[0]!);
});
afterAll(async () => {
  await Promise.all((pools ?? []).map((p) => p.end()));
  await db?.drop();
});

describe("PostgreSQL TtlStore", () => {
  it("lets one process sweep at a time; the other skips that round", async () => {
    const [a, b] = pools.map((p) => new PostgresTtlStore(p)) as [PostgresTtlStore, PostgresTtlStore];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = a.exclusive(async () => {
      entered();
      await held;
    });
    await inside;
    expect(await b.exclusive(async () => undefined)).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(await b.exclusive(async () => undefined)).toBe(true);
  });

  it("finds threads whose last update plus ttl has passed, own ttl first, else the default; not busy ones", async () => {
    const sql = pools[0]!;
    const store = new PostgresTtlStore(sql);
    await sql.query(
      `INSERT INTO app_threads (thread_id, status, updated_at) VALUES
         ('old-own', 'idle', now() - interval '10 minutes'),
         ('old-default', 'idle', now() - interval '10 minutes'),
         ('old-busy', 'busy', now() - interval '10 minutes'),
         ('fresh-own', 'idle', now())`,
    );
    await store.setThreadTtl("old-own", { strategy: "keep_latest", ttl_minutes: 5 });
    await store.setThreadTtl("old-busy", { strategy: "delete", ttl_minutes: 5 });
    await store.setThreadTtl("fresh-own", { strategy: "delete", ttl_minutes: 5 });
    await store.setThreadTtl("no-such-thread", { strategy: "delete", ttl_minutes: 5 });
    const now = new Date();
    expect(await store.expiredThreads(now, 10)).toEqual([{ thread_id: "old-own", strategy: "keep_latest" }]);
    const withDefault = await store.expiredThreads(now, 10, { strategy: "delete", ttl_minutes: 1 });
    expect(withDefault.map((t) => t.thread_id).sort()).toEqual(["old-default", "old-own"]);
    await store.markPruned("old-own");
    expect(await store.expiredThreads(now, 10)).toEqual([]);
    const ttl = await store.getThreadTtl("fresh-own");
    expect(ttl).toMatchObject({ strategy: "delete", ttl_minutes: 5 });
    expect(Date.parse(ttl!.expires_at)).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect(await store.getThreadTtl("old-default")).toBeUndefined();
  });
});
