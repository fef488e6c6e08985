import { newThread, run, verifyDurability } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("verify durability in memory: threads are lost, and the report explains why", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const bootBefore = await page
    .locator(".statusbar")
    .getByTitle(/boot_id/)
    .getAttribute("title");
  await newThread(page, "counter");
  await run(page, '{ "by": 5 }', /Run finished/);
  await newThread(page, "counter");
  await run(page, '{ "by": 2 }', /Run finished/);

  await verifyDurability(page, "graceful");
  const report = page.getByRole("dialog", { name: "Durability report" });
  await expect(page.getByLabel("Verdict")).toContainText("All 2 threads were lost after a graceful restart.");
  await expect(report).toContainText("in-memory persistence");
  await expect(report).toContainText("Local PostgreSQL");
  await expect(report.getByRole("table", { name: "Threads after restart" }).getByText("lost")).toHaveCount(2);
  await studio.shot("durability-memory");

  await page.getByRole("button", { name: "Close report" }).click();
  await expect(page.getByLabel("Server state")).toHaveText(/ready/);
  await expect(page.locator(".statusbar").getByTitle(/boot_id/)).not.toHaveAttribute("title", bootBefore!);
  // The list re-derives from the new (empty) server without a reload.
  await expect(page.getByRole("list", { name: "Thread list" })).toContainText("No threads yet");
  // The thread that was open is gone: the panel says why, not the raw 404.
  await expect(page.getByRole("heading", { name: "This thread is not on the server" })).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "keeps threads in memory" })).toBeVisible();
  await expect(page.getByText("HTTP 404")).toHaveCount(0);
  await studio.shot("durability-memory-lost-thread");
  await page.getByRole("button", { name: "Back to the graph" }).click();
  await expect(page.getByRole("heading", { name: "This thread is not on the server" })).toHaveCount(0);
});
