import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("a messages graph: the conversation with its tool call, then a follow-up turn", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await newThread(page, "chat");
  await run(page, '{ "messages": [{ "role": "user", "content": "what time is it?" }] }', /Run finished/);
  // Streamed through the protocol: the tool call as it ran, and the reply as it was written.
  const live = page.getByRole("region", { name: "Live reply" });
  await expect(live).toContainText("clock");
  await expect(live).toContainText(/→ "\d\d:\d\d UTC"/);
  await expect(live).toContainText("The clock tool says it is");
  const messages = page.getByRole("list", { name: "Messages" }).getByRole("listitem");
  await expect(messages).toHaveCount(4);
  await expect(messages.nth(0)).toContainText("what time is it?");
  await expect(messages.nth(1)).toContainText("clock");
  await expect(messages.nth(1)).toContainText('{"timezone":"UTC"}');
  await expect(messages.nth(2)).toContainText(/\d\d:\d\d UTC/);
  await expect(messages.nth(3)).toContainText("The clock tool says it is");

  // Record what the live reply shows while the next answer is written.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __live: string[] }).__live = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[aria-label="Live reply"] .msg-text')?.textContent ?? "";
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await run(page, '{ "messages": [{ "role": "user", "content": "thanks a lot" }] }', /Run finished/);
  const shown = await page.evaluate(() => (window as unknown as { __live: string[] }).__live);
  const full = 'You said "thanks a lot" (3 words). Ask me what time it is to see a tool call.';
  expect(shown[shown.length - 1]).toBe(full);
  // Token by token: the page showed the answer growing, not only whole.
  expect(shown.filter((t) => full.startsWith(t) && t.length < full.length).length).toBeGreaterThan(2);
  await expect(messages).toHaveCount(6);
  await expect(messages.nth(5)).toContainText('You said "thanks a lot" (3 words)');
  await page.getByRole("tab", { name: "Graph" }).click();
  await expect(page.getByRole("figure", { name: "Graph view" }).getByText("tools", { exact: true })).toBeVisible();
  await page.getByRole("tab", { name: "State" }).click();
  await studio.shot("chat");
});
