// Every control the Studio shows has an accessible name (the e2e drives it by
// roles and labels only, and so does a screen reader). The names are the ones
// Chromium computes (the accessibility tree over CDP), on every page, each
// thread tab, and the dialogs.
import { Client } from "@langchain/langgraph-sdk";
import type { Page } from "@playwright/test";
import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

const CONTROL_ROLES = new Set([
  "button",
  "checkbox",
  "combobox",
  "link",
  "listbox",
  "menuitem",
  "radio",
  "searchbox",
  "slider",
  "spinbutton",
  "switch",
  "tab",
  "textbox",
  "treeitem",
]);

interface AXNode {
  ignored?: boolean;
  role?: { value?: string };
  name?: { value?: string };
  properties?: Array<{ name: string; value: { value?: unknown } }>;
}

/** The controls on screen that have no accessible name, as "role (html tag id/class)" for the report. */
async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: AXNode[] };
    return nodes
      .filter((n) => !n.ignored && CONTROL_ROLES.has(String(n.role?.value ?? "")) && !String(n.name?.value ?? "").trim())
      .filter((n) => !n.properties?.some((p) => p.name === "hidden" && p.value.value === true))
      .map((n) => `${n.role?.value} ${JSON.stringify(n.properties?.map((p) => `${p.name}=${String(p.value.value)}`) ?? [])}`);
  } finally {
    await cdp.detach();
  }
}

test("every control has an accessible name, on every page, tab and dialog", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const client = new Client({ apiUrl: (await page.getByLabel("Server URL").textContent())!.trim() });
  await client.store.putItem(["users", "ann"], "m1", { text: "likes tea" });

  const seen: Record<string, string[]> = {};
  const check = async (where: string) => {
    seen[where] = await unnamedControls(page);
  };

  // The check itself finds a nameless control (so an empty report means something).
  await page.evaluate(() => {
    const probe = document.createElement("button");
    probe.id = "nameless-probe";
    document.body.append(probe);
  });
  expect(await unnamedControls(page)).toHaveLength(1);
  await page.evaluate(() => document.getElementById("nameless-probe")?.remove());

  await check("threads (empty)");
  await newThread(page, "review");
  await page.getByRole("tab", { name: "Graph" }).click();
  await run(page, '{ "topic": "names" }', /paused at an interrupt/);
  for (const tab of ["State", "History", "Runs", "Graph"]) {
    await page.getByRole("tab", { name: tab }).click();
    await expect(page.getByRole("tab", { name: tab })).toHaveAttribute("aria-selected", "true");
    await check(`thread: ${tab}`);
  }
  const pages = page.getByRole("navigation", { name: "Pages" });
  await pages.getByRole("button", { name: "Assistants" }).click();
  await page.getByRole("list", { name: "Assistant list" }).getByRole("button", { name: "Assistant counter" }).click();
  await expect(page.getByLabel("Assistant name")).toHaveText("counter");
  await check("assistants");
  await pages.getByRole("button", { name: "Memory" }).click();
  await page.getByRole("tree", { name: "Namespace tree" }).getByRole("treeitem", { name: "Namespace users / ann" }).click();
  await page.getByRole("table", { name: "Store items" }).getByRole("button", { name: "Item m1" }).click();
  await check("memory");
  await pages.getByRole("button", { name: "Crons" }).click();
  await expect(page.getByRole("heading", { name: "Crons" })).toBeVisible();
  await check("crons");

  await page.getByRole("button", { name: "Settings" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await check("settings dialog");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: /^Project .*: open another$/ }).click();
  await expect(page.getByRole("dialog", { name: "Projects" })).toBeVisible();
  await check("projects dialog");
  await page.keyboard.press("Escape");
  await page.locator("body").click({ position: { x: 700, y: 500 } });
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await check("shortcuts");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Logs" }).click();
  await check("logs");
  await studio.shot("accessible-names");

  console.log(`[e2e] unnamed controls: ${JSON.stringify(seen, null, 1)}`);
  expect(Object.entries(seen).filter(([, list]) => list.length > 0)).toEqual([]);
});
