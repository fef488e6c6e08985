import { expect, test } from "./fixtures.ts";

// A previous session chose a PostgreSQL that is gone now (port 1: nothing listens).
test.use({
  initialSettings: {
    version: 1,
    persistence: "postgres",
    postgresUri: "postgres://app@127.0.0.1:1/skeino",
    postgresPassword: { codec: "plain", value: "pw" },
  },
});

test("saved PostgreSQL unreachable at launch: the reason is shown, and switching to Memory recovers", async ({ studio }) => {
  const { page } = studio;
  // The supervisor retries with back-off, then gives up with the server's own message.
  await expect(page.getByLabel("Server state")).toHaveText(/error/, { timeout: 60_000 });
  const alert = page.getByRole("alert").filter({ hasText: "Gave up after" });
  await expect(alert).toContainText("127.0.0.1:1");
  await expect(alert).not.toContainText(":pw@");
  await studio.shot("unreachable-at-launch");

  await page.getByRole("button", { name: "Open settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("radio", { name: /^Memory/ }).check();
  await dialog.getByRole("button", { name: "Save and restart" }).click();
  await studio.ready();
  await expect(page.getByLabel("Persistence scheme")).toHaveText(/memory/);
  await expect(page.getByRole("list", { name: "Thread list" })).toContainText("No threads yet");
});
