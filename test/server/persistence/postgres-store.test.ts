// The LangGraph store on skeino's pool (PostgresStore with our pool swapped
// in): the BaseStore operations the /store API uses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Persistence } from "../../../src/server/persistence/types.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

describe("PostgreSQL store", () => {
  let db: TestDatabase;
  let persistence: Persistence;
  beforeAll(async () => {
    db = await createTestDatabase();
    persistence = await createPostgresPersistence({ uri: db.uri });
  });
  afterAll(async () => {
    await persistence?.close();
    await db?.drop();
  });

  it("puts, gets, searches, lists namespaces and deletes", async () => {
    const { store } = persistence;
    await store.put(["users", "ann"], "prefs", { theme: "dark", size: 3 });
    await store.put(["users", "ann"], "profile", { name: "Ann" });
    await store.put(["users", "bob"], "prefs", { theme: "light", size: 1 });
    expect((await store.get(["users", "ann"], "prefs"))?.value).toEqual({ theme: "dark", size: 3 });
    expect(await store.get(["users", "ann"], "missing")).toBeNull();
    const dark = await store.search(["users"], { filter: { theme: "dark" } });
    expect(dark.map((i) => [i.namespace, i.key])).toEqual([[["users", "ann"], "prefs"]]);
    expect((await store.search(["users", "ann"])).map((i) => i.key).sort()).toEqual(["prefs", "profile"]);
    expect(await store.listNamespaces({ prefix: ["users"] })).toEqual([
      ["users", "ann"],
      ["users", "bob"],
    ]);
    await store.put(["users", "ann"], "prefs", { theme: "blue" });
    expect((await store.get(["users", "ann"], "prefs"))?.value).toEqual({ theme: "blue" });
    await store.delete(["users", "ann"], "prefs");
    expect(await store.get(["users", "ann"], "prefs")).toBeNull();
  });

  it("survives a restart of skeino (a new persistence on the same database)", async () => {
    await persistence.store.put(["durable"], "k", { v: 1 });
    const again = await createPostgresPersistence({ uri: db.uri });
    try {
      expect((await again.store.get(["durable"], "k"))?.value).toEqual({ v: 1 });
    } finally {
      await again.close();
    }
  });
});
