import { Client } from "@langchain/langgraph-sdk";
import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("assistants: list and search, create from the config form, versions with diff and make latest, run with it, delete", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Assistants" }).click();

  // The system assistant of every graph is listed; search narrows by name.
  const list = page.getByRole("list", { name: "Assistant list" });
  await expect(list.getByRole("button", { name: "Assistant counter" })).toContainText("system");
  await expect(list.getByRole("button", { name: /^Assistant / })).toHaveCount(3);
  await page.getByLabel("Search assistants").fill("coun");
  await expect(list.getByRole("button", { name: /^Assistant / })).toHaveCount(1);
  await page.getByLabel("Search assistants").fill("");

  // Create from the form the graph's config schema generates.
  await page.getByRole("button", { name: "New assistant" }).click();
  const form = page.getByRole("form", { name: "New assistant" });
  await form.getByLabel("Assistant graph").selectOption("counter");
  await form.getByLabel("Name", { exact: true }).fill("Nightly counter");
  await form.getByLabel("Description", { exact: true }).fill("counts the nightly jobs");
  await form.getByLabel("Metadata (JSON)").fill('{ "team": "ops" }');
  // The schema is extracted from the graph's TypeScript source on first use: slow on a busy machine.
  await expect(form.getByLabel("label", { exact: true })).toBeVisible({ timeout: 90_000 });
  await form.getByLabel("label", { exact: true }).fill("nightly");
  await form.getByLabel("factor", { exact: true }).fill("3");
  await studio.shot("assistant-create");
  await form.getByRole("button", { name: "Create assistant" }).click();

  await expect(page.getByLabel("Assistant name")).toHaveText("Nightly counter");
  await expect(page.getByLabel("Current version")).toHaveText("1");
  await expect(list.getByRole("button", { name: "Assistant Nightly counter" })).toContainText("user");

  // Editing saves a new version; the raw JSON view holds the same config.
  const edit = page.getByRole("form", { name: "Edit assistant" });
  await expect(edit.getByLabel("label", { exact: true })).toHaveValue("nightly");
  await edit.getByLabel("factor", { exact: true }).fill("5");
  await edit.getByRole("button", { name: "Raw JSON" }).click();
  await expect(edit.getByLabel("Configuration (JSON)")).toHaveValue(/"factor": 5/);
  await edit.getByRole("button", { name: "Form" }).click();
  await edit.getByLabel("Description", { exact: true }).fill("counts faster");
  await edit.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByLabel("Current version")).toHaveText("2");

  const versions = page.getByRole("list", { name: "Assistant versions" }).getByRole("button", { name: /^Version / });
  await expect(versions).toHaveCount(2);
  await page.getByRole("button", { name: "Version 1", exact: true }).click();
  const diff = page.getByRole("table", { name: "Version changes" });
  await expect(diff).toContainText("config.configurable.factor");
  await expect(diff).toContainText("description");
  await studio.shot("assistant-versions");
  await page.getByRole("button", { name: "Make latest" }).click();
  await expect(page.getByLabel("Current version")).toHaveText("1");
  await expect(page.getByRole("form", { name: "Edit assistant" }).getByLabel("factor", { exact: true })).toHaveValue("3");

  // A run on a thread uses the assistant picked in the Run panel, and shows its config.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Threads" }).click();
  await newThread(page, "counter");
  await page.getByLabel("Assistant", { exact: true }).selectOption({ label: "Nightly counter · v1" });
  await expect(page.getByLabel("Assistant configuration")).toContainText('label: "nightly"');
  await expect(page.getByLabel("Assistant configuration")).toContainText("factor: 3");
  await run(page, '{ "by": 2 }', /Run finished/);
  await expect(page.getByRole("group", { name: "State values" })).toContainText("nightly: count is 6");
  await studio.shot("assistant-run");

  // Delete, with confirmation.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Assistants" }).click();
  await list.getByRole("button", { name: "Assistant Nightly counter" }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete assistant" }).click();
  await expect(list.getByRole("button", { name: "Assistant Nightly counter" })).toHaveCount(0);
  await expect(list.getByRole("button", { name: /^Assistant / })).toHaveCount(3);
});

test("assistants: 1,000 versions page through", async ({ studio }) => {
  test.setTimeout(300_000);
  const { page } = studio;
  await studio.ready();
  const client = new Client({ apiUrl: (await page.getByLabel("Server URL").textContent())!.trim() });
  const a = await client.assistants.create({ graphId: "counter", name: "Many versions", config: { configurable: { factor: 0 } } });
  const t0 = Date.now();
  for (let v = 2; v <= 1000; v++) await client.assistants.update(a.assistant_id, { config: { configurable: { factor: v } } });
  console.log(`[e2e] wrote 1,000 assistant versions in ${Date.now() - t0} ms`);
  for (const offset of [0, 500, 980]) {
    const t = performance.now();
    const versions = await client.assistants.getVersions(a.assistant_id, { limit: 20, offset });
    console.log(`[e2e] assistant versions offset ${offset}: ${versions.length} in ${Math.round(performance.now() - t)} ms`);
  }

  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Assistants" }).click();
  await page.getByRole("list", { name: "Assistant list" }).getByRole("button", { name: "Assistant Many versions" }).click();
  await expect(page.getByLabel("Current version")).toHaveText("1000");
  const versions = page.getByRole("list", { name: "Assistant versions" }).getByRole("button", { name: /^Version / });
  await expect(versions.first()).toHaveAccessibleName("Version 1000");
  for (let p = 1; p <= 3; p++) {
    const t = performance.now();
    await page.getByRole("button", { name: "Older" }).click();
    await expect(versions.first()).toHaveAccessibleName(`Version ${1000 - p * 20}`);
    console.log(`[e2e] Studio versions page ${p + 1}: shown ${Math.round(performance.now() - t)} ms after the click`);
  }
  await page.getByRole("button", { name: `Version ${1000 - 3 * 20}`, exact: true }).click();
  await expect(page.getByRole("table", { name: "Version changes" })).toContainText("config.configurable.factor");
});
