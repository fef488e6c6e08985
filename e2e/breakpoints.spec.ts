import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test("breakpoints: set on the graph and in the list, hit one, step, continue; the live graph marks the path", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await newThread(page, "review");
  await page.getByRole("tab", { name: "Graph" }).click();
  const graph = page.getByRole("figure", { name: "Graph view" });

  // A toggle on the graph node and a checkbox in the run panel's list are the same breakpoint.
  await graph.getByRole("button", { name: "Pause after plan" }).click();
  await expect(graph.getByRole("button", { name: "Pause after plan" })).toHaveAttribute("aria-pressed", "true");
  const list = page.getByRole("table", { name: "Breakpoints" });
  await expect(list.getByLabel("Pause after plan")).toBeChecked();
  await list.getByLabel("Pause before write").check();
  await expect(graph.getByRole("button", { name: "Pause before write" })).toHaveAttribute("aria-pressed", "true");
  // The subgraph node is listed, and so are its inner nodes (the next test pauses inside it).
  await expect(list.getByLabel("Pause before research", { exact: true })).toBeVisible();
  await expect(list.getByLabel("Pause before research:rank", { exact: true })).toBeVisible();

  await run(page, '{ "topic": "durable agents" }', /paused at a breakpoint/);
  const reason = page.getByLabel("Pause reason");
  await expect(reason).toHaveText("Paused after plan (breakpoint); next: research");
  await expect(graph.locator(".react-flow__node.visited")).toHaveText(["plan"]);
  await expect(graph.locator(".react-flow__node.next")).toHaveCount(2); // research:gather and research:rank (the subgraph)
  await expect(graph.locator(".react-flow__edge.visited")).toHaveCount(1); // START -> plan
  await studio.shot("breakpoint-after-plan");

  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(reason).toHaveText("Paused before write (breakpoint); next: write");
  await expect(page.getByLabel("Run path")).toHaveText("research → research:gather → research:rank");
  await expect(graph.locator(".react-flow__node.next")).toHaveText(["write"]);

  await page.getByRole("button", { name: "Step", exact: true }).click();
  await expect(reason).toHaveText("Paused after write (one step); next: approve");
  await expect(page.getByLabel("Run path")).toHaveText("write");
  await studio.shot("breakpoint-step");

  // Continue into the graph's own interrupt(); then resume to the end with no breakpoint in the way.
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: /paused at an interrupt/ })).toBeVisible();
  await page.getByRole("button", { name: "Clear breakpoints" }).click();
  await expect(list.getByLabel("Pause before write")).not.toBeChecked();
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Run finished." })).toBeVisible();
  await expect(page.getByLabel("Run path")).toHaveText("approve → publish");
  await expect(graph.locator(".react-flow__edge.visited")).toHaveCount(2); // approve -> publish -> END
  await expect(graph.locator(".react-flow__node.running")).toHaveCount(0);

  // A whole run from the start (e2e/live-graph.spec.ts watches the highlight move on a slower graph).
  await page.getByRole("tab", { name: "State" }).click();
  await newThread(page, "review");
  await page.getByRole("tab", { name: "Graph" }).click();
  await run(page, '{ "topic": "live graphs" }', /paused at an interrupt/);
  await expect(page.getByLabel("Run path")).toHaveText("plan → research → research:gather → research:rank → write → approve");
  await expect(graph.locator(".react-flow__edge.visited")).toHaveCount(5);
  await studio.shot("live-graph");
});

test("breakpoints inside a subgraph: pause before its inner node, step through it, continue", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await newThread(page, "review");
  await page.getByRole("tab", { name: "Graph" }).click();
  const graph = page.getByRole("figure", { name: "Graph view" });
  const list = page.getByRole("table", { name: "Breakpoints" });

  // The subgraph's inner node takes a breakpoint on the graph, named as the xray drawing names it.
  await graph.getByRole("button", { name: "Pause before research:rank" }).click();
  await expect(list.getByLabel("Pause before research:rank", { exact: true })).toBeChecked();

  await run(page, '{ "topic": "subgraph breakpoints" }', /paused at a breakpoint/);
  const reason = page.getByLabel("Pause reason");
  await expect(reason).toHaveText("Paused before research:rank (breakpoint); next: research:rank");
  await expect(graph.locator(".react-flow__node.next")).toHaveText(["research:rank"]);
  await expect(page.getByLabel("Run path")).toHaveText("plan → research → research:gather");
  await studio.shot("subgraph-breakpoint");

  // Step runs the inner node only, and pauses still inside the subgraph.
  await page.getByRole("button", { name: "Step", exact: true }).click();
  await expect(reason).toHaveText(/^Paused after research:rank \(one step\)/);
  await studio.shot("subgraph-step");

  // Continue (the breakpoint still set) leaves the subgraph and runs on to the graph's own interrupt().
  await expect(list.getByLabel("Pause before research:rank", { exact: true })).toBeChecked();
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: /paused at an interrupt/ })).toBeVisible();
  await expect(page.getByLabel("Run path")).toHaveText(/write → approve$/);
});
