import { Client } from "@langchain/langgraph-sdk";
import { expect, test } from "./fixtures.ts";

test("10,000 threads: the list pages on the server, 50 at a time", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const url = (await page.getByLabel("Server URL").textContent())!;
  const client = new Client({ apiUrl: url });
  const N = 10_000;
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < N) {
        const i = next++;
        await client.threads.create({ graphId: i % 2 ? "review" : "counter", metadata: { shard: String(i % 10) } });
      }
    }),
  );

  // Paged on the server: each page is one search of 50 at its offset (the
  // timings are printed, not asserted: they measure the machine as much as us).
  const searchAt = (offset: number) =>
    page.waitForRequest((r) => r.url().endsWith("/threads/search") && (r.postDataJSON() as { offset?: number; limit?: number })?.offset === offset);
  const t0 = Date.now();
  const firstSearch = searchAt(0);
  await page.reload();
  expect((await firstSearch).postDataJSON()).toMatchObject({ limit: 50, offset: 0 });
  await expect(page.getByText("1–50 of 10000")).toBeVisible();
  const firstPageMs = Date.now() - t0;
  await expect(page.getByRole("list", { name: "Thread list" }).getByRole("button", { name: /^Thread / })).toHaveCount(50);

  const t1 = Date.now();
  const secondSearch = searchAt(50);
  await page.getByRole("button", { name: "Next page" }).click();
  expect((await secondSearch).postDataJSON()).toMatchObject({ limit: 50, offset: 50 });
  await expect(page.getByText("51–100 of 10000")).toBeVisible();
  const nextPageMs = Date.now() - t1;

  await page.getByLabel("Metadata filter").fill("shard=3");
  await expect(page.getByText("1–50 of 1000")).toBeVisible();
  await expect(page.getByRole("figure", { name: "Graph view" })).toBeVisible();
  await studio.shot("many-threads");
  await page.getByLabel("Status", { exact: true }).selectOption("busy");
  await expect(page.getByText("0–0 of 0")).toBeVisible();
  console.log(`[e2e] 10,000 threads: first page ${firstPageMs} ms (with reload), next page ${nextPageMs} ms`);
});
