// Searches page alike (http/query.ts sendPage): X-Pagination-Total counts
// every match, X-Pagination-Next gives the next offset while a full page has
// more behind it, and `select` keeps only the named fields. Memory only: the
// headers are the routes', the counting is covered per backend elsewhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

describe("paged searches (memory)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("memory");
  });
  afterAll(async () => {
    await server?.close();
  });

  const search = async (path: string, body: Record<string, unknown>) => {
    const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return {
      total: res.headers.get("x-pagination-total"),
      next: res.headers.get("x-pagination-next"),
      items: (await res.json()) as Record<string, unknown>[],
    };
  };

  it.each([
    ["/threads/search", "thread_id"],
    ["/assistants/search", "assistant_id"],
  ])("%s: total, next while more follow, select", async (path, idField) => {
    const tag = `paging-${path}`;
    for (let i = 0; i < 5; i++) {
      if (path === "/threads/search") await server.client.threads.create({ metadata: { tag } });
      else await server.client.assistants.create({ graphId: "simple", metadata: { tag } });
    }
    const first = await search(path, { metadata: { tag }, limit: 2 });
    expect([first.total, first.next, first.items.length]).toEqual(["5", "2", 2]);
    const middle = await search(path, { metadata: { tag }, limit: 2, offset: 2 });
    expect([middle.total, middle.next, middle.items.length]).toEqual(["5", "4", 2]);
    const last = await search(path, { metadata: { tag }, limit: 2, offset: 4 });
    expect([last.total, last.next, last.items.length]).toEqual(["5", null, 1]);
    const exact = await search(path, { metadata: { tag }, limit: 5 });
    expect([exact.total, exact.next, exact.items.length]).toEqual(["5", null, 5]);
    const selected = await search(path, { metadata: { tag }, limit: 5, select: [idField, "metadata"] });
    for (const item of selected.items) expect(Object.keys(item).sort()).toEqual([idField, "metadata"].sort());
  });
});
