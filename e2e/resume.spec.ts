import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("resume an interrupt: the human approves and the graph publishes", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await newThread(page, "review");
  await run(page, '{ "topic": "checkpoints" }', /paused at an interrupt/);
  const card = page.getByRole("group", { name: "Interrupt", exact: true });
  await expect(card).toContainText("Publish this draft?");

  await page.getByLabel("Resume value (JSON)").fill('{ "approved": false, "feedback": "shorter" }');
  await page.getByRole("button", { name: "Resume" }).click();
  // Rejected: the graph goes back to write and asks again.
  await expect(page.getByRole("status").filter({ hasText: "paused at an interrupt" })).toBeVisible();
  await expect(page.getByRole("group", { name: "State values" })).toContainText("revised after: shorter");

  await page.getByLabel("Resume value (JSON)").fill('{ "approved": true }');
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Run finished" })).toBeVisible();
  await expect(page.getByLabel("Next nodes")).toContainText("done");
  await expect(page.getByRole("group", { name: "Interrupt", exact: true })).toHaveCount(0);
  await expect(page.getByRole("group", { name: "State values" })).toContainText("published at revision 1");
  await expect(page.locator(".thread-head .badge")).toHaveText("idle");

  // Edit state writes a new checkpoint; the view refreshes without a reload.
  await page.getByRole("button", { name: "Edit state" }).click();
  await page.getByLabel("State values (JSON)").fill('{ "topic": "edited by hand" }');
  await page.getByRole("button", { name: "Save state" }).click();
  await expect(page.getByRole("group", { name: "State values" })).toContainText("edited by hand");

  // Copy thread opens the copy, with the same values.
  const original = await page.getByLabel("Thread ID").textContent();
  await page.getByRole("button", { name: "Copy thread" }).click();
  await expect(page.getByLabel("Thread ID")).not.toHaveText(original!);
  await expect(page.getByRole("group", { name: "State values" })).toContainText("edited by hand");
  await studio.shot("resume");
});
