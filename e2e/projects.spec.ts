// Projects: open a second project from the Projects dialog (the browser
// shell's path field; in Electron, "Open project…" with the native folder
// picker answered from the main process) and come back through the recent list; a project whose
// graph file is broken opens anyway, shows the error with file and line, and
// Reload after the fix brings its graph up. Fixture projects are temp folders.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "@playwright/test";
import { expect, type Studio, test } from "./fixtures.ts";

const ROOT = join(import.meta.dirname, "..");
const EXAMPLE = join(ROOT, "resources", "example");

const graphSource = (node: string) => `import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation<string> });
export const graph = new StateGraph(State)
  .addNode(${JSON.stringify(node)}, (s: typeof State.State) => ({ text: s.text + ${JSON.stringify(node)} }))
  .addEdge("__start__", ${JSON.stringify(node)})
  .compile();
`;
// Line 2 is the broken one: the Studio must point there.
const BROKEN = `import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation<string> ;
export const graph = new StateGraph(State).compile();
`;

function makeProject(graphId: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), `skeino-e2e-${graphId}-`));
  mkdirSync(join(dir, "src"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `e2e-${graphId}`, private: true, type: "module" }));
  writeFileSync(join(dir, "langgraph.json"), JSON.stringify({ graphs: { [graphId]: `./src/${graphId}.ts:graph` } }));
  writeFileSync(join(dir, "src", `${graphId}.ts`), source);
  return dir;
}

/** Choose a folder in the open Projects dialog: typed in the browser shell, picked in the app's folder dialog. */
async function chooseFolder(studio: Studio, dialog: Locator, dir: string): Promise<void> {
  if (studio.electron) {
    // The native picker cannot be driven; answer it from the main process instead.
    await studio.electron.evaluate(({ dialog: native }, folder) => {
      native.showOpenDialog = (async () => ({ canceled: false, filePaths: [folder] })) as typeof native.showOpenDialog;
    }, dir);
    await dialog.getByRole("button", { name: "Open project…" }).click();
    return;
  }
  await dialog.getByLabel("Project folder").fill(dir);
  await dialog.getByRole("button", { name: "Open project" }).click();
}

async function openByPath(studio: Studio, dir: string): Promise<void> {
  await studio.page.getByRole("button", { name: /^Project .*: open another$/ }).click();
  const dialog = studio.page.getByRole("dialog", { name: "Projects" });
  await chooseFolder(studio, dialog, dir);
  await expect(dialog).toBeHidden({ timeout: 45_000 });
}

const projects: string[] = [];
test.afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

test("open a second project and come back through the recent projects", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  await expect(page).toHaveTitle("example — Skeino Studio");
  await expect(page.getByRole("combobox", { name: "Graph" })).toHaveValue("review");

  // A thread of this project in the URL must not follow us into the next one.
  await page.getByRole("button", { name: "New thread" }).click();
  await expect(page).toHaveURL(/#\/threads\/[0-9a-f-]{36}/);

  const second = makeProject("second", graphSource("greet"));
  projects.push(second);
  await openByPath(studio, second);
  await studio.ready();
  const name = second.split("/").at(-1)!;
  await expect(page).toHaveTitle(`${name} — Skeino Studio`);
  await expect(page.getByRole("combobox", { name: "Graph" })).toHaveValue("second");
  await expect(page).not.toHaveURL(/#\/threads\//);
  await studio.shot("projects-second");

  // A folder without langgraph.json is refused and the open project stays.
  await page.getByRole("button", { name: /^Project .*: open another$/ }).click();
  const dialog = page.getByRole("dialog", { name: "Projects" });
  await chooseFolder(studio, dialog, join(second, "src"));
  await expect(dialog.getByRole("alert")).toContainText("No langgraph.json in");

  const recents = dialog.getByRole("list", { name: "Recent projects" });
  await expect(recents.getByRole("button", { name: `Open ${EXAMPLE}` })).toBeVisible();
  await studio.shot("projects-recents");
  await recents.getByRole("button", { name: `Open ${EXAMPLE}` }).click();
  await expect(dialog).toBeHidden({ timeout: 45_000 });
  await studio.ready();
  await expect(page).toHaveTitle("example — Skeino Studio");
  await expect(page.getByRole("combobox", { name: "Graph" })).toHaveValue("review");

  // The second project is now the recent one, newest first.
  await page.getByRole("button", { name: /^Project .*: open another$/ }).click();
  await expect(dialog.getByRole("list", { name: "Recent projects" }).getByRole("button").first()).toHaveAccessibleName(`Open ${second}`);
});

test("a project with a broken graph file opens, shows the error with file and line, and reloads once fixed", async ({ studio }) => {
  const { page } = studio;
  await studio.ready();
  const broken = makeProject("fragile", BROKEN);
  projects.push(broken);
  await openByPath(studio, broken);

  await expect(page.getByLabel("Server state")).toHaveText(/error/, { timeout: 45_000 });
  const errors = page.getByRole("region", { name: "Project errors" });
  const file = join(broken, "src", "fragile.ts");
  await expect(errors.getByRole("alert").first()).toContainText(`${file}:2`);
  await expect(errors).toContainText("fragile.ts");
  await expect(page).toHaveTitle(`${broken.split("/").at(-1)!} — Skeino Studio`);
  await studio.shot("projects-broken");

  writeFileSync(file, graphSource("mend"));
  await page.getByRole("button", { name: "Reload" }).click();
  await studio.ready();
  await expect(errors).toBeHidden();
  await expect(page.getByRole("combobox", { name: "Graph" })).toHaveValue("fragile");
  await studio.shot("projects-reloaded");
});
