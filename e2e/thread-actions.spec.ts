import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("filters, fork from a checkpoint and continue, delete", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const reviewId = await newThread(page, "review");
  await run(page, '{ "topic": "forks" }', /paused at an interrupt/);
  const counterId = await newThread(page, "counter");
  await run(page, '{ "by": 2 }', /Run finished/);

  const list = page.getByRole("list", { name: "Thread list" });
  await expect(list.getByRole("button", { name: /^Thread / })).toHaveCount(2);
  await page.getByLabel("Status", { exact: true }).selectOption("interrupted");
  await expect(list.getByRole("button", { name: /^Thread / })).toHaveCount(1);
  await expect(list.getByRole("button", { name: `Thread ${reviewId}` })).toBeVisible();
  await page.getByLabel("Status", { exact: true }).selectOption("");
  await page.getByLabel("Metadata filter").fill("graph_id=counter");
  await expect(list.getByRole("button", { name: /^Thread / })).toHaveCount(1);
  await expect(list.getByRole("button", { name: `Thread ${counterId}` })).toBeVisible();
  await page.getByLabel("Metadata filter").fill("");

  // Fork the review thread from the checkpoint that was about to run "write".
  await list.getByRole("button", { name: `Thread ${reviewId}` }).click();
  await page.getByRole("tab", { name: "History" }).click();
  const beforeWrite = page
    .getByRole("list", { name: "Checkpoints" })
    .getByRole("button", { name: /^Checkpoint / })
    .filter({ hasText: "→ write" });
  await beforeWrite.click();
  await page.getByRole("button", { name: "Fork from checkpoint" }).click();
  await page.getByLabel("Fork values (JSON)").fill('{ "topic": "forked topic" }');
  await page.getByRole("button", { name: "Create fork" }).click();
  await page.getByRole("tab", { name: "State" }).click();
  await expect(page.getByLabel("Next nodes")).toHaveText("write");
  await expect(page.getByRole("group", { name: "State values" })).toContainText("forked topic");

  // An empty input continues from the fork instead of starting over.
  await run(page, "", /paused at an interrupt/);
  await expect(page.getByRole("group", { name: "State values" })).toContainText('"forked topic: plan');
  await studio.shot("fork");

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete thread" }).click();
  await expect(list.getByRole("button", { name: `Thread ${reviewId}` })).toHaveCount(0);
  await expect(list.getByRole("button", { name: /^Thread / })).toHaveCount(1);
});
