import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("run the example graph: live stream, state, history with diff, runs, graph with next node", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const threadId = await newThread(page, "review");
  await run(page, '{ "topic": "durable agents" }', /paused at an interrupt/);

  const stream = page.getByRole("log", { name: "Run stream" });
  await expect(stream).toContainText("custom");
  await expect(stream).toContainText("planning a note on durable agents");
  await expect(stream).toContainText("research"); // subgraph namespace

  // State
  await expect(page.getByLabel("Next nodes")).toHaveText("approve");
  await expect(page.getByLabel("Checkpoint ID")).toHaveText(/^[0-9a-f-]{36}$/);
  const values = page.getByRole("group", { name: "State values" });
  await expect(values).toContainText('"durable agents"');
  await expect(values).toContainText("ranked 4 findings");
  await expect(page.getByRole("list", { name: "Thread list" }).getByRole("button", { name: `Thread ${threadId}` })).toContainText("interrupted");

  // History: newest first; picking one shows its state and the diff from its parent.
  await page.getByRole("tab", { name: "History" }).click();
  const checkpoints = page.getByRole("list", { name: "Checkpoints" }).getByRole("button", { name: /^Checkpoint / });
  await expect(checkpoints.first()).toContainText("approve");
  expect(await checkpoints.count()).toBeGreaterThanOrEqual(4);
  await checkpoints.nth(1).click();
  const changes = page.getByRole("table", { name: "Changes from parent" });
  await expect(changes).toContainText("findings");
  await studio.shot("history");

  // Runs
  await page.getByRole("tab", { name: "Runs" }).click();
  const runs = page.getByRole("table", { name: "Runs" });
  await expect(runs.getByRole("row")).toHaveCount(2);
  await expect(runs.getByRole("row").nth(1)).toContainText(/success|interrupted/);
  await expect(runs).toContainText("durable agents");

  // Graph with the next node highlighted
  await page.getByRole("tab", { name: "Graph" }).click();
  await expect(page.getByRole("figure", { name: "Graph view" }).locator(".react-flow__node.next")).toHaveText("approve");
  await studio.shot("run-graph");

  // A reload re-derives everything from the host and the server.
  await page.reload();
  await expect(page.getByLabel("Thread ID")).toHaveText(threadId);
  await expect(page.getByRole("tab", { name: "Graph" })).toHaveAttribute("aria-selected", "true");
});
