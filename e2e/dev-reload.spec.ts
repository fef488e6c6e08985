// `skeino dev` and its Studio: edit a graph file on disk and the open Studio
// redraws the graph and says what was reloaded; a broken edit shows where it
// broke while the last good graph stays drawn; the fix reloads again.
// Runs the CLI itself (not the Studio's supervisor), so only in the browser.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { expect, test } from "@playwright/test";

const ROOT = join(import.meta.dirname, "..");

const graphSource = (nodes: string[], extra = "") => `import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation<string> });
${extra}
export const graph = new StateGraph(State)
${nodes.map((n) => `  .addNode(${JSON.stringify(n)}, (s: typeof State.State) => ({ text: s.text + ${JSON.stringify(n)} }))`).join("\n")}
  .addEdge("__start__", ${JSON.stringify(nodes[0])})
${nodes
  .slice(1)
  .map((n, i) => `  .addEdge(${JSON.stringify(nodes[i])}, ${JSON.stringify(n)})`)
  .join("\n")}
  .compile();
`;

test.describe("skeino dev in the Studio", () => {
  let project: string;
  let child: ChildProcess | undefined;

  test.beforeEach(({}, testInfo) => {
    test.skip(testInfo.project.name === "electron", "skeino dev serves the Studio to a browser");
    project = mkdtempSync(join(tmpdir(), "skeino-e2e-dev-"));
    mkdirSync(join(project, "src"));
    symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"), "dir");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "e2e-dev", private: true, type: "module" }));
    writeFileSync(join(project, "langgraph.json"), JSON.stringify({ graphs: { agent: "./src/agent.ts:graph" } }));
    writeFileSync(join(project, "src/agent.ts"), graphSource(["draft"]));
  });

  test.afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child!.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test("an edit redraws the graph with a toast; a broken edit is shown and the fix reloads", async ({ page }, testInfo) => {
    child = spawn(process.execPath, [join(ROOT, "bin", "skeino.mjs"), "dev", "--port", "0", "--log-level", "warn"], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SKEINO_POSTGRES_URI: "", PORT: "" },
    });
    const stderr: string[] = [];
    child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
    const studioUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`skeino dev printed no Studio URL in 60 s: ${stderr.join("")}`)), 60_000);
      createInterface({ input: child!.stdout! }).on("line", (line) => {
        const m = /^Skeino Studio: (http:\/\/\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child!.once("exit", (code) => reject(new Error(`skeino dev exited (${code}): ${stderr.join("")}`)));
    });

    await page.goto(studioUrl);
    // The process belongs to skeino dev: no restart or persistence settings here.
    await expect(page.getByText("served by skeino dev")).toBeVisible();
    await expect(page.getByRole("button", { name: "Restart and verify durability" })).toHaveCount(0);
    const graph = page.getByRole("figure", { name: "Graph view" });
    const nodes = graph.locator(".react-flow__node");
    await expect(nodes.filter({ hasText: "draft" })).toHaveCount(1);
    await expect(nodes.filter({ hasText: "polish" })).toHaveCount(0);

    writeFileSync(join(project, "src/agent.ts"), graphSource(["draft", "polish"]));
    const toast = page.getByRole("status", { name: "Graphs reloaded" });
    await expect(toast).toContainText("Reloaded agent");
    await expect(toast).toContainText("src/agent.ts");
    await expect(nodes.filter({ hasText: "polish" })).toHaveCount(1);
    await page.screenshot({ path: testInfo.outputPath("dev-reloaded.png") });

    // Line 3 of agent.ts is broken: the Studio says where, the last good graph stays drawn.
    writeFileSync(join(project, "src/agent.ts"), graphSource(["draft", "polish"], "const broken = ;"));
    const failure = page.getByRole("alert", { name: "Reload failed" });
    await expect(failure).toContainText("Reload failed at agent.ts:3");
    await expect(nodes.filter({ hasText: "polish" })).toHaveCount(1);
    await page.screenshot({ path: testInfo.outputPath("dev-reload-failed.png") });

    writeFileSync(join(project, "src/agent.ts"), graphSource(["draft", "polish", "publish"]));
    await expect(toast).toContainText("Reloaded agent");
    await expect(failure).toHaveCount(0);
    await expect(nodes.filter({ hasText: "publish" })).toHaveCount(1);
  });
});
