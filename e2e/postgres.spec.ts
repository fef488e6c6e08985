import { newThread, run, verifyDurability } from "./helpers.ts";
import { E2E_PG_PASSWORD } from "./postgres.ts";
import { expect, test } from "./fixtures.ts";

test("switch to PostgreSQL, run, and every thread survives a graceful restart and a kill", async ({ studio, postgres }) => {
  const { page } = studio;
  await studio.ready();
  await page.getByRole("button", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("radio", { name: /^PostgreSQL/ }).check();
  await dialog.getByLabel("Postgres URI").fill(postgres.uri);
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByRole("status")).toContainText(`Connected to PostgreSQL`);
  await studio.shot("settings-postgres");
  await dialog.getByRole("button", { name: "Save and restart" }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(page.getByLabel("Persistence scheme")).toHaveText(/postgres/);
  await studio.ready();

  // The renderer never gets the password back.
  await page.getByRole("button", { name: "Settings" }).click();
  await expect(dialog.getByLabel("Postgres URI")).not.toHaveValue(new RegExp(E2E_PG_PASSWORD));
  await expect(dialog.getByLabel("Postgres URI")).toHaveValue(/postgres:\/\/postgres:•+@127\.0\.0\.1/);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await newThread(page, "counter");
  await run(page, '{ "by": 3 }', /Run finished/);
  await newThread(page, "review");
  await run(page, '{ "topic": "durability" }', /paused at an interrupt/);

  await verifyDurability(page, "graceful");
  await expect(page.getByLabel("Verdict")).toContainText("All 2 threads survived a graceful restart.");
  await page.getByRole("button", { name: "Close report" }).click();

  await verifyDurability(page, "kill");
  await expect(page.getByLabel("Verdict")).toContainText("All 2 threads survived a kill (SIGKILL) restart.");
  await expect(page.getByRole("table", { name: "Threads after restart" }).getByText("survived")).toHaveCount(2);
  await studio.shot("durability-postgres-kill");
  await page.getByRole("button", { name: "Close report" }).click();

  // After the kill the interrupted thread is still waiting and can be resumed.
  await page.getByLabel("Resume value (JSON)").fill("true");
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Run finished" })).toBeVisible();
  await expect(page.getByRole("group", { name: "State values" })).toContainText("published at revision 0");
});

test("a bad Postgres URI shows the clear error and the app stays usable", async ({ studio, postgres }) => {
  const { page } = studio;
  await studio.ready();
  const bootBefore = await page
    .locator(".statusbar")
    .getByTitle(/boot_id/)
    .getAttribute("title");
  await page.getByRole("button", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("radio", { name: /^PostgreSQL/ }).check();

  await dialog.getByLabel("Postgres URI").fill(`postgres://postgres:wrong-password@127.0.0.1:${postgres.port}/postgres`);
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(/PostgreSQL rejected the password for user 'postgres' at 127\.0\.0\.1:\d+ \(28P01\)/);

  await dialog.getByLabel("Postgres URI").fill("postgres://postgres:x@127.0.0.1:1/postgres");
  await dialog.getByRole("button", { name: "Save and restart" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(/Nothing is listening at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  await studio.shot("bad-uri");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Nothing was applied: same server, still memory, still works.
  await expect(page.getByLabel("Persistence scheme")).toHaveText(/memory/);
  await expect(page.locator(".statusbar").getByTitle(/boot_id/)).toHaveAttribute("title", bootBefore!);
  await newThread(page, "counter");
  await run(page, '{ "by": 1 }', /Run finished/);
  await expect(page.getByRole("group", { name: "State values" })).toContainText("count is 1");
});
