import { Client } from "@langchain/langgraph-sdk";
import { expect, test } from "./fixtures.ts";

const BULK = 10_000;

async function seed(client: Client): Promise<void> {
  await client.store.putItem(["users", "ann", "memories"], "m1", { text: "likes tea", kind: "preference" });
  await client.store.putItem(["users", "ann", "memories"], "m2", { text: "lives in Lyon", kind: "fact" });
  await client.store.putItem(["users", "bob"], "prefs", { theme: "light" });
  // 10,000 items in one namespace, 25 requests at a time.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < BULK; i = next++) {
      await client.store.putItem(["bulk"], `k${String(i).padStart(5, "0")}`, { n: i, kind: i % 2 ? "odd" : "even" });
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
}

test("memory: browse namespaces, search, put, edit and delete store items; 10,000 items page", async ({ studio }) => {
  test.setTimeout(300_000);
  const { page } = studio;
  await studio.ready();
  const url = (await page.getByLabel("Server URL").textContent())!.trim();
  const client = new Client({ apiUrl: url });
  const seeded = Date.now();
  await seed(client);
  console.log(`[e2e] seeded ${BULK + 3} store items in ${Date.now() - seeded} ms`);
  // Page figures from the test's side of the wire (printed, not asserted: the machine is shared).
  for (const offset of [0, 5_000, BULK - 50]) {
    const t = performance.now();
    const res = await client.store.searchItems(["bulk"], { limit: 50, offset });
    console.log(`[e2e] store page offset ${offset}: ${res.items.length} items in ${Math.round(performance.now() - t)} ms`);
  }

  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Memory" }).click();
  const tree = page.getByRole("tree", { name: "Namespace tree" });
  await expect(tree.getByRole("treeitem", { name: "Namespace users / bob" })).toBeVisible();
  await tree.getByRole("button", { name: "Expand users / ann" }).click();
  await tree.getByRole("treeitem", { name: "Namespace users / ann / memories" }).click();
  await expect(page.getByLabel("Selected namespace")).toHaveText("users / ann / memories");

  const items = page.getByRole("table", { name: "Store items" });
  await expect(items.getByRole("button", { name: /^Item / })).toHaveCount(2);
  await items.getByRole("button", { name: "Item m1" }).click();
  await expect(page.getByRole("group", { name: "Item value" })).toContainText("likes tea");

  // Edit
  await page.getByRole("button", { name: "Edit item" }).click();
  await page.getByLabel("Item value (JSON)").fill('{ "text": "likes green tea", "kind": "preference" }');
  await page.getByRole("button", { name: "Save item" }).click();
  await expect(page.getByRole("group", { name: "Item value" })).toContainText("likes green tea");

  // Search by filter within the namespace
  await page.getByLabel("Filter items").fill("kind=fact");
  await expect(items.getByRole("button", { name: /^Item / })).toHaveCount(1);
  await expect(items.getByRole("button", { name: "Item m2" })).toBeVisible();
  await page.getByLabel("Filter items").fill("");
  await studio.shot("memory-item");

  // Delete, with confirmation
  await items.getByRole("button", { name: "Item m2" }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete item" }).click();
  await expect(items.getByRole("button", { name: "Item m2" })).toHaveCount(0);
  await expect(items.getByRole("button", { name: /^Item / })).toHaveCount(1);

  // Put a new item into another namespace
  await page.getByRole("button", { name: "New item" }).click();
  const form = page.getByRole("form", { name: "New item" });
  await form.getByLabel("Namespace", { exact: true }).fill("users/bob");
  await form.getByLabel("Key", { exact: true }).fill("tz");
  await form.getByLabel("Item value (JSON)").fill('{ "tz": "Europe/Paris" }');
  await form.getByRole("button", { name: "Put item" }).click();
  await expect(page.getByLabel("Selected namespace")).toHaveText("users / bob");
  await expect(items.getByRole("button", { name: "Item tz" })).toBeVisible();
  await expect(page.getByRole("group", { name: "Item value" })).toContainText("Europe/Paris");

  // 10,000 items page through; the page time the Studio measured is printed.
  await tree.getByRole("treeitem", { name: "Namespace bulk" }).click();
  await expect(items.getByRole("button", { name: /^Item / })).toHaveCount(50);
  const pager = page.getByLabel("Item page");
  for (let p = 2; p <= 4; p++) {
    await page.getByRole("button", { name: "Next", exact: true }).click();
    await expect(pager).toContainText(`page ${p} · 50 items`);
    console.log(`[e2e] Studio store page ${p}: ${await pager.textContent()}`);
  }
  await page.getByLabel("Filter items").fill('{"kind":"odd"}');
  await expect(pager).toContainText("page 1 · 50 items");
  // Every item shown is an odd one (the store's order is its insertion order, and 25 seeding
  // workers insert in no fixed key order).
  const oddPage = async () => {
    const keys = await items.getByRole("button", { name: /^Item / }).allTextContents();
    return keys.length === 50 && keys.every((k) => /^k\d{4}[13579]$/.test(k));
  };
  await expect.poll(oddPage, { timeout: 20_000 }).toBe(true);
  await studio.shot("memory-bulk");

  // The namespace is in the URL: a reload comes back to it.
  await page.reload();
  await expect(page.getByLabel("Selected namespace")).toHaveText("bulk");
});
