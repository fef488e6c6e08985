import { newThread } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("live graph: the running node is highlighted as a run moves through the graph, and the path taken is marked", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();

  // An assistant of the counter graph that waits in each node, so the run can be watched.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Assistants" }).click();
  await page.getByRole("button", { name: "New assistant" }).click();
  const form = page.getByRole("form", { name: "New assistant" });
  await form.getByLabel("Assistant graph").selectOption("counter");
  await form.getByLabel("Name", { exact: true }).fill("Slow counter");
  await expect(form.getByLabel("delay_ms", { exact: true })).toBeVisible({ timeout: 90_000 });
  await form.getByLabel("delay_ms", { exact: true }).fill("3000");
  await form.getByRole("button", { name: "Create assistant" }).click();
  await expect(page.getByLabel("Assistant name")).toHaveText("Slow counter");

  await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Threads" }).click();
  await newThread(page, "counter");
  await page.getByLabel("Assistant", { exact: true }).selectOption({ label: "Slow counter · v1" });
  await page.getByRole("tab", { name: "Graph" }).click();
  const graph = page.getByRole("figure", { name: "Graph view" });
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __running: string[] }).__running = seen;
    new MutationObserver(() => {
      for (const el of Array.from(document.querySelectorAll(".react-flow__node.running"))) {
        const name = el.getAttribute("data-id") ?? "";
        if (seen[seen.length - 1] !== name) seen.push(name);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["class"] });
  });

  await page.getByLabel("Input (JSON)").fill('{ "by": 1 }');
  await page.getByRole("button", { name: "Run", exact: true }).click();
  // Each node waits 3 s: long enough to see it, on a busy machine too.
  const marks = () =>
    page.evaluate(() => ({
      running: Array.from(document.querySelectorAll(".react-flow__node.running")).map((n) => n.getAttribute("data-id")),
      visited: Array.from(document.querySelectorAll(".react-flow__node.visited")).map((n) => n.getAttribute("data-id")),
      edges: document.querySelectorAll(".react-flow__edge.visited").length,
    }));
  await expect.poll(marks).toEqual({ running: ["increment"], visited: [], edges: 1 }); // START -> increment
  await expect(page.getByLabel("Running node")).toContainText("increment");
  // The header follows the run too, not only the thread list.
  await expect(page.getByLabel("Thread status")).toHaveText("busy");
  await expect.poll(marks).toEqual({ running: ["report"], visited: ["increment"], edges: 2 }); // ... -> report
  await studio.shot("live-running-report");
  await expect(page.getByRole("status").filter({ hasText: "Run finished." })).toBeVisible();
  await expect(graph.locator(".react-flow__node.running")).toHaveCount(0);
  await expect(page.getByLabel("Thread status")).toHaveText("idle");
  await expect(graph.locator(".react-flow__node.visited")).toHaveText(["increment", "report"]);
  await expect(graph.locator(".react-flow__edge.visited")).toHaveCount(3); // ... -> END
  expect(await page.evaluate(() => (window as unknown as { __running: string[] }).__running)).toEqual(["increment", "report"]);

  // The finished run, replayed step by step from the thread's history.
  await page.getByRole("button", { name: "Replay from history" }).click();
  const position = page.getByLabel("Replay position");
  await expect(position).toHaveText("1 / 3 · step 0 · next: increment");
  await expect(graph.locator(".react-flow__node.running")).toHaveText(["increment"]);
  await expect(graph.locator(".react-flow__edge.visited")).toHaveCount(1);
  await page.getByRole("button", { name: "Next step" }).click();
  await expect(position).toHaveText("2 / 3 · step 1 · next: report");
  await expect(graph.locator(".react-flow__node.running")).toHaveText(["report"]);
  await expect(graph.locator(".react-flow__node.visited")).toHaveText(["increment"]);
  await studio.shot("replay-report");
  await page.getByRole("button", { name: "Next step" }).click();
  await expect(position).toHaveText("3 / 3 · step 2 · done");
  await expect(graph.locator(".react-flow__node.running")).toHaveCount(0);
  await expect(graph.locator(".react-flow__edge.visited")).toHaveCount(3);
  await page.getByRole("button", { name: "Previous step" }).click();
  await expect(position).toHaveText("2 / 3 · step 1 · next: report");
  await page.getByRole("button", { name: "Stop replay" }).click();
  await expect(page.getByRole("button", { name: "Replay from history" })).toBeVisible();
});
