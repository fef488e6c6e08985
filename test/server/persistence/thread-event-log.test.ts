// Both backends' protocol history read from a client's resume position: one
// past any seq a thread reaches (1e308, 2^63, as a `since` may say) has
// nothing after it, on PostgreSQL too, whose bigint column would refuse it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryPersistence } from "../../../src/server/persistence/memory/index.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import type { NewThreadEvent, Persistence } from "../../../src/server/persistence/types.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const events = (n: number): NewThreadEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    method: "values",
    channel: "values",
    namespace: [],
    params: `{"namespace":[],"timestamp":0,"data":{"i":${i}}}`,
  }));

describe.each(["memory", "postgres"] as const)("thread event log (%s): resume positions", (backend) => {
  let db: TestDatabase | undefined;
  let persistence: Persistence;

  beforeAll(async () => {
    if (backend === "postgres") {
      db = await createTestDatabase();
      persistence = await createPostgresPersistence({ uri: db.uri });
    } else {
      persistence = createMemoryPersistence();
    }
    await persistence.metadata.threads.create({ thread_id: "t" });
    await persistence.threadEvents.append("t", "r", events(3));
  });
  afterAll(async () => {
    await persistence?.close();
    await db?.drop();
  });

  it("reads what came after a position, and nothing after one past any seq", async () => {
    expect((await persistence.threadEvents.read("t", 1, 10)).map((e) => e.seq)).toEqual([2, 3]);
    for (const since of [1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 2]) expect(await persistence.threadEvents.read("t", since, 10)).toEqual([]);
  });
});
