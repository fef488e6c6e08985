// Projects in the Studio host: the recent list in the data dir, the parse of
// a failed start's stderr into errors with file and line, the supervisor not
// retrying a start that failed on its own, and StudioHost.openProject with
// the real CLI (a broken project opens in the error state, a fixed one reloads).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StudioHost } from "../../src/main/host.ts";
import { parseStartErrors } from "../../src/main/project-errors.ts";
import { RECENT_LIMIT, RecentProjects } from "../../src/main/recent-projects.ts";
import { ServerSupervisor } from "../../src/main/supervisor.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "bin", "skeino.mjs");
const FAKE = join(import.meta.dirname, "fixtures", "fake-server.mjs");

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "skeino-projects-"));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function project(name: string, source: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "src"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  writeFileSync(join(dir, "langgraph.json"), JSON.stringify({ graphs: { agent: "./src/agent.ts:graph" } }));
  writeFileSync(join(dir, "src", "agent.ts"), source);
  return dir;
}

const GOOD = `import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ n: Annotation<number> });
export const graph = new StateGraph(State).addNode("one", () => ({ n: 1 })).addEdge("__start__", "one").compile();
`;
const THROWS = `import { Annotation } from "@langchain/langgraph";
throw new Error("no API key for the model");
export const graph = Annotation;
`;

describe("RecentProjects", () => {
  it("keeps folders newest first, once each, at most RECENT_LIMIT, and marks missing ones", () => {
    const data = join(tmp, "recent-data");
    const recent = new RecentProjects(data);
    expect(recent.list()).toEqual([]);
    const a = project("recent-a", GOOD);
    recent.add(a, 1);
    recent.add(join(tmp, "gone"), 2);
    const list = recent.add(a, 3);
    expect(list.map((p) => [p.dir, p.openedAt, p.missing])).toEqual([
      [a, 3, false],
      [join(tmp, "gone"), 2, true],
    ]);
    for (let i = 0; i < RECENT_LIMIT + 3; i++) recent.add(join(tmp, `p${i}`), 10 + i);
    expect(new RecentProjects(data).list()).toHaveLength(RECENT_LIMIT);
    expect(new RecentProjects(data).list()[0]!.dir).toBe(join(tmp, `p${RECENT_LIMIT + 2}`));
  });

  it("remembers the view each project was last shown at, across instances and re-opens", () => {
    const data = join(tmp, "view-data");
    const recent = new RecentProjects(data);
    const a = project("view-a", GOOD);
    const b = project("view-b", GOOD);
    recent.add(a, 1);
    recent.add(b, 2);
    recent.setView(a, "#/assistants/123");
    recent.setView(join(tmp, "never-opened"), "#/crons");
    recent.add(a, 3);
    const list = new RecentProjects(data).list();
    expect(list.map((p) => [p.dir, p.lastView])).toEqual([
      [a, "#/assistants/123"],
      [b, undefined],
    ]);
    // A hand-edited file with something that is not a route loses the view, not the project.
    writeFileSync(join(data, "recent-projects.json"), JSON.stringify([{ dir: a, openedAt: 1, lastView: "javascript:alert(1)" }]));
    expect(new RecentProjects(data).list()).toEqual([{ dir: a, openedAt: 1, missing: false }]);
  });

  it("reads a corrupt file as an empty list instead of failing", () => {
    const data = join(tmp, "corrupt-data");
    mkdirSync(data);
    writeFileSync(join(data, "recent-projects.json"), "{ not json");
    expect(new RecentProjects(data).list()).toEqual([]);
  });
});

describe("parseStartErrors", () => {
  it("gives each skeino: line its file and line from the CLI's 'at' line or esbuild's location", () => {
    expect(
      parseStartErrors([
        "skeino: warning: listening on 0.0.0.0",
        'skeino: /p/langgraph.json: "graphs.a": loading ./src/a.ts failed: boom',
        "skeino: at /p/src/a.ts:2:7",
      ]),
    ).toEqual([{ message: '/p/langgraph.json: "graphs.a": loading ./src/a.ts failed: boom', file: "/p/src/a.ts", line: 2, column: 7 }]);
    expect(parseStartErrors(["skeino: loading failed: Transform failed with 1 error:", '/p/src/b.ts:4:1: ERROR: Unexpected ";"'])).toEqual([
      { message: 'loading failed: Transform failed with 1 error:\n/p/src/b.ts:4:1: ERROR: Unexpected ";"', file: "/p/src/b.ts", line: 4, column: 1 },
    ]);
    expect(parseStartErrors([])).toEqual([]);
  });
});

describe("ServerSupervisor with finalExitCodes", () => {
  it("reports a start that exits with a final code before it is ready at once, with its stderr, and does not retry", async () => {
    const sup = new ServerSupervisor({
      spec: () => ({ entry: FAKE, args: [], env: { ...process.env, FAKE_MODE: "crash" } }),
      finalExitCodes: [3],
      backoff: { initialMs: 10, maxCrashes: 4 },
    });
    try {
      await expect(sup.start()).rejects.toThrow(/exited with code 3 before it was ready/);
      expect(sup.status.state).toBe("error");
      expect(sup.status.crashCount).toBe(0);
      expect(sup.status.startStderr.join("\n")).toContain("cannot open the database");
      expect(sup.getLogs().filter((l) => l.text.startsWith("starting "))).toHaveLength(1);
    } finally {
      await sup.stop();
    }
  });
});

describe("StudioHost.openProject", () => {
  let host: StudioHost;
  let good: string;
  let broken: string;

  beforeAll(async () => {
    good = project("good", GOOD);
    broken = project("broken", THROWS);
    host = new StudioHost({ dataDir: join(tmp, "host-data"), projectDir: good, serverEntry: CLI, serverEnv: { SKEINO_POSTGRES_URI: "" } });
    const status = await host.start();
    expect(status.state).toBe("ready");
  }, 120_000);
  afterAll(async () => {
    await host.close();
  });

  it("refuses a folder without langgraph.json and keeps the current project", async () => {
    const result = await host.openProject(join(good, "src"));
    expect(result.ok).toBe(false);
    expect(result.error).toBe(`No langgraph.json in ${join(good, "src")}`);
    expect(result.status.projectDir).toBe(good);
    expect(result.status.state).toBe("ready");
    expect((await host.openProject()).error).toMatch(/Type the path/);
  });

  it("opens a broken project in the error state with file and line, and reloads it once fixed", async () => {
    const opened = await host.openProject(broken);
    expect(opened.ok).toBe(true);
    expect(opened.status.projectDir).toBe(broken);
    expect(opened.status.state).toBe("error");
    expect(opened.status.projectErrors).toEqual([
      expect.objectContaining({ message: expect.stringContaining("no API key for the model"), file: join(broken, "src", "agent.ts"), line: 2 }),
    ]);
    expect(opened.recent.map((p) => p.dir)).toEqual([broken, good]);

    writeFileSync(join(broken, "src", "agent.ts"), GOOD);
    const reloaded = await host.restartServer("graceful");
    expect(reloaded.state).toBe("ready");
    expect(reloaded.projectErrors).toEqual([]);
    expect(reloaded.graphIds).toEqual(["agent"]);
  }, 120_000);

  it("lists every broken graph of a project, each with its file and line", async () => {
    const two = project("two-broken", THROWS);
    writeFileSync(join(two, "src", "other.ts"), "export const graph = ;\n");
    writeFileSync(join(two, "langgraph.json"), JSON.stringify({ graphs: { agent: "./src/agent.ts:graph", other: "./src/other.ts:graph" } }));
    const opened = await host.openProject(two);
    expect(opened.status.state).toBe("error");
    expect(opened.status.projectErrors).toEqual([
      expect.objectContaining({ message: expect.stringContaining('"graphs.agent"'), file: join(two, "src", "agent.ts"), line: 2 }),
      expect.objectContaining({ message: expect.stringContaining('"graphs.other"'), file: join(two, "src", "other.ts"), line: 1 }),
    ]);
  }, 120_000);

  it("goes back to the first project", async () => {
    const back = await host.openProject(good);
    expect(back.status.state).toBe("ready");
    expect(back.status.projectDir).toBe(good);
    expect((await host.getRecentProjects()).map((p) => p.dir)).toEqual([good, join(tmp, "two-broken"), broken]);
  }, 120_000);
});
