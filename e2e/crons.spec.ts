import { newThread } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("create a cron with a schedule preview, watch it fire, open its run, pause it", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await page.getByRole("button", { name: "Crons" }).click();
  await expect(page.getByRole("heading", { name: "Crons" })).toBeVisible();
  const form = page.getByRole("form", { name: "New cron" });

  // A bad schedule is named in the preview, before anything is created.
  await form.getByLabel("Schedule", { exact: true }).fill("61 * * * *");
  await expect(form.getByRole("alert")).toContainText("Invalid 'schedule'");

  // Every 2 seconds (the optional seconds field), so the spec need not wait a minute.
  await form.getByLabel("Cron assistant").selectOption({ label: "counter" });
  await form.getByLabel("Schedule", { exact: true }).fill("*/2 * * * * *");
  await expect(form.getByRole("list", { name: "Next runs" }).getByRole("listitem")).toHaveCount(5);
  await form.getByLabel("Cron input (JSON)").fill('{ "by": 3 }');
  await form.getByRole("button", { name: "Create cron" }).click();

  const crons = page.getByRole("table", { name: "Crons" });
  const row = crons.getByRole("row", { name: /^Cron / });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("*/2 * * * * *");
  await expect(row).toContainText("Active");

  await row.getByRole("button", { name: "Firings" }).click();
  const firings = page.getByRole("list", { name: "Firings" });
  await expect(firings.getByRole("listitem", { name: "Firing started" }).first()).toBeVisible({ timeout: 30_000 });
  await studio.shot("crons");

  await row.getByRole("button", { name: "Pause" }).click();
  await expect(row).toContainText("Paused");
  await expect(row.getByRole("button", { name: "Resume" })).toBeVisible();
  // Paused: no new firing lands across several due times. Each refresh of the
  // list (every 2 s) is a response from the server: compare what they carry.
  const refreshed = async () => {
    const res = await page.waitForResponse((r) => /\/runs\/crons\/[^/]+\/firings/.test(r.url()) && r.ok(), { timeout: 30_000 });
    return (await res.json()) as Array<{ due_at: string }>;
  };
  const newest = (list: Array<{ due_at: string }>) =>
    list
      .map((f) => f.due_at)
      .sort()
      .at(-1);
  // The second refresh after the pause: a firing claimed just before it has landed.
  await refreshed();
  const atPause = await refreshed();
  let latest = atPause;
  // Three more refreshes, 6 s or more: three due times of the 2 s schedule.
  for (let i = 0; i < 3; i++) {
    latest = await refreshed();
    expect(newest(latest)).toBe(newest(atPause));
  }
  await expect(firings.getByRole("listitem")).toHaveCount(latest.length);

  // A firing's run opens its thread (kept: "Keep each run's thread" is on by default).
  await firings.getByRole("button", { name: /^Run / }).first().click();
  await expect(page.getByLabel("Thread ID")).toHaveText(/^[0-9a-f-]{36}$/);
  await expect(page.getByRole("table", { name: "Runs" })).toContainText("success");
});

test("a thread with a ttl shows when it expires", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const threadId = await newThread(page, "counter");
  await expect(page.getByLabel("Thread expiry")).toHaveCount(0);
  // The Studio does not set ttls; a client does, through the API.
  const url = (await page.getByLabel("Server URL").textContent())!;
  const res = await page.request.patch(`${url}/threads/${threadId}`, { data: { ttl: { ttl: 60, strategy: "delete" } } });
  expect(res.status()).toBe(200);
  await page.reload();
  await expect(page.getByLabel("Thread expiry")).toContainText("expires");
});
