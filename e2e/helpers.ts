// Steps shared by the specs, written as a user would do them.
import { expect, type Page } from "@playwright/test";

/** Pick a graph in the toolbar, press New thread, and wait for the thread view. */
export async function newThread(page: Page, graph: "review" | "counter" | "chat" | "agent"): Promise<string> {
  await page.getByLabel("Graph", { exact: true }).selectOption(graph);
  const id = page.getByLabel("Thread ID");
  const previous = (await id.count()) > 0 ? await id.textContent() : null;
  await page.getByRole("button", { name: "New thread" }).click();
  await expect(id).toHaveText(/^[0-9a-f-]{36}$/);
  if (previous) await expect(id).not.toHaveText(previous);
  return (await id.textContent())!;
}

/** Fill the JSON input, press Run, wait for the stream to end. */
export async function run(page: Page, input: string, expectOutcome: RegExp = /Run finished|paused at an interrupt/): Promise<void> {
  await page.getByLabel("Input (JSON)").fill(input);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: expectOutcome })).toBeVisible();
}

export async function verifyDurability(page: Page, mode: "graceful" | "kill"): Promise<void> {
  await page.getByLabel("Restart mode").selectOption(mode);
  await page.getByRole("button", { name: "Restart and verify durability" }).click();
  await expect(page.getByRole("dialog", { name: "Durability report" })).toBeVisible();
  await expect(page.getByLabel("Verdict")).toBeVisible({ timeout: 60_000 });
}
