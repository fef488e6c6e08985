import { expect, test } from "./fixtures.ts";

test("first launch: memory persistence, the example graph drawn, no threads yet", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await expect(page.getByLabel("Persistence scheme")).toHaveText(/memory/);
  await expect(page.getByLabel("Server URL")).toHaveText(/^http:\/\/127\.0\.0\.1:\d+$/);
  await expect(page.getByLabel("Server pid")).toHaveText(/pid \d+/);
  await expect(page.getByLabel("Graph", { exact: true })).toHaveValue("review");
  const graph = page.getByRole("figure", { name: "Graph view" });
  for (const node of ["plan", "research:gather", "research:rank", "write", "approve", "publish"]) {
    await expect(graph.getByText(node, { exact: true })).toBeVisible();
  }
  await expect(page.getByRole("list", { name: "Thread list" })).toContainText("No threads yet");
  await page.getByRole("button", { name: "Logs" }).click();
  await expect(page.getByRole("log", { name: "Server log" })).toContainText("skeino listening on");
  await studio.shot("first-launch");
});
