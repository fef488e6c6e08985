// The store API through the SDK Client, on both backends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";

describe.each(BACKENDS)("store (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("puts, gets, searches, lists namespaces and deletes items", async () => {
    const { client } = server;
    await client.store.putItem(["users", "ann"], "prefs", { theme: "dark" });
    await client.store.putItem(["users", "bob"], "prefs", { theme: "light" });
    const item = await client.store.getItem(["users", "ann"], "prefs");
    expect(item?.value).toEqual({ theme: "dark" });
    expect(item?.namespace).toEqual(["users", "ann"]);
    expect(await client.store.getItem(["users", "ann"], "missing")).toBeNull();
    const found = await client.store.searchItems(["users"], { filter: { theme: "light" } });
    expect(found.items.map((i) => i.namespace)).toEqual([["users", "bob"]]);
    const namespaces = await client.store.listNamespaces({ prefix: ["users"] });
    expect(namespaces.namespaces.map((n) => n.join("."))).toEqual(expect.arrayContaining(["users.ann", "users.bob"]));
    await client.store.deleteItem(["users", "ann"], "prefs");
    expect(await client.store.getItem(["users", "ann"], "prefs")).toBeNull();
  });

  it("rejects namespace labels with periods (422) and empty namespaces (400)", async () => {
    // The SDK refuses these itself, so send them by hand.
    const put = (namespace: string[]) =>
      fetch(`${server.url}/store/items`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ namespace, key: "k", value: { v: 1 } }),
      });
    const dotted = await put(["a.b"]);
    expect(dotted.status).toBe(422);
    expect(await dotted.text()).toMatch(/periods/);
    expect((await put([])).status).toBe(400);
  });
});
