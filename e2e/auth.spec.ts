// A project with custom auth opens in the Studio: the Studio reaches its own
// server with its per-launch credential (no token to type), and threads show
// their owner, the Studio user the project's handlers stamped.
import { newThread, run } from "./helpers.ts";
import { expect, test } from "./fixtures.ts";

test.use({ project: "test/fixtures/auth-project" });

test("a project with auth: threads created in the Studio show their owner", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const id = await newThread(page, "agent");
  await run(page, "{}", /Run finished/);
  await expect(page.getByLabel("Thread owner")).toHaveText("langgraph-studio-user");
  const row = page.getByRole("list", { name: "Thread list" }).getByRole("button", { name: `Thread ${id}` });
  await expect(row.getByLabel("Owner")).toHaveText("owner: langgraph-studio-user");
  await expect(page.getByRole("group", { name: "State values" })).toContainText("langgraph-studio-user");
  await studio.shot("auth-owner");
});
