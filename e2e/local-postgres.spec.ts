import { newThread, run, verifyDurability } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("Local PostgreSQL: one click, durable across a kill", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await page.getByRole("button", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("radio", { name: /^Local PostgreSQL/ }).check();
  await dialog.getByRole("button", { name: "Save and restart" }).click();
  await expect(dialog).toBeHidden({ timeout: 90_000 });
  await expect(page.getByLabel("Persistence scheme")).toHaveText(/postgres.*\(local\)/);
  await studio.ready();

  await newThread(page, "counter");
  await run(page, '{ "by": 4 }', /Run finished/);
  await verifyDurability(page, "kill");
  await expect(page.getByLabel("Verdict")).toContainText("All 1 thread survived a kill (SIGKILL) restart.");
  await studio.shot("local-postgres");
});
