import { expect, test } from "./fixtures.ts";

test("habits: keyboard shortcuts with a help overlay, deep links that survive a reload and a relaunch, light theme following the system", async ({
  studio,
}) => {
  let { page } = studio;
  await page.emulateMedia({ colorScheme: "light" });
  await studio.ready();

  // The system is light: so is the Studio.
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");

  // "?" shows the shortcuts; Escape hides them.
  await page.locator("body").click({ position: { x: 700, y: 500 } });
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help.getByRole("table", { name: "Shortcuts" })).toContainText("New thread");
  await studio.shot("habits-shortcuts-light");
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);

  // n: new thread; Ctrl+Enter in the input: run; 2: History tab; /: search threads.
  await page.getByLabel("Graph", { exact: true }).selectOption("counter");
  await page.locator("body").click({ position: { x: 700, y: 500 } });
  await page.keyboard.press("n");
  const threadId = page.getByLabel("Thread ID");
  await expect(threadId).toHaveText(/^[0-9a-f-]{36}$/);
  const id = (await threadId.textContent())!;
  await page.getByLabel("Input (JSON)").fill('{ "by": 4 }');
  await page.getByLabel("Input (JSON)").press("Control+Enter");
  await expect(page.getByRole("status").filter({ hasText: "Run finished." })).toBeVisible();
  await page.locator("body").click({ position: { x: 700, y: 880 } });
  await page.keyboard.press("2");
  await expect(page.getByRole("tab", { name: "History" })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("/");
  await expect(page.getByLabel("Metadata filter")).toBeFocused();

  // The thread, its tab and the picked checkpoint are in the URL: a reload comes back to them.
  const checkpoints = page.getByRole("list", { name: "Checkpoints" }).getByRole("button", { name: /^Checkpoint / });
  await checkpoints.nth(1).click();
  await expect(checkpoints.nth(1)).toHaveAttribute("aria-current", "true");
  const picked = await checkpoints.nth(1).getAttribute("aria-label");
  await page.reload();
  await expect(page.getByLabel("Thread ID")).toHaveText(id);
  await expect(page.getByRole("tab", { name: "History" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("button", { name: picked!, exact: true })).toHaveAttribute("aria-current", "true");
  await expect(checkpoints.first()).not.toHaveAttribute("aria-current", "true");

  // a: Assistants page; the open assistant survives a reload too.
  await page.locator("body").click({ position: { x: 700, y: 880 } });
  await page.keyboard.press("a");
  await page.getByRole("list", { name: "Assistant list" }).getByRole("button", { name: "Assistant counter" }).click();
  await expect(page.getByLabel("Assistant name")).toHaveText("counter");
  await page.reload();
  await expect(page.getByLabel("Assistant name")).toHaveText("counter");
  await studio.shot("habits-assistant-light");

  // A relaunch opens the Studio with no route: it comes back to the view it was left at (the system
  // assistant's id is the same across restarts; the memory backend's threads are not).
  page = await studio.restart();
  await studio.ready();
  await expect(page).toHaveURL(/#\/assistants\/[0-9a-f-]{36}$/);
  await expect(page.getByLabel("Assistant name")).toHaveText("counter");
  await studio.shot("habits-relaunched");

  // A manual override beats the system, and is remembered.
  await page.getByLabel("Theme").selectOption("dark");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await page.getByLabel("Theme").selectOption("system");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
});
