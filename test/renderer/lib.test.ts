// The renderer's pure helpers (no DOM): state diff, metadata filter, hash
// routes, id display, graph layout.
import { describe, expect, it } from "vitest";
import { diffValues } from "../../src/renderer/src/lib/diff.ts";
import { compactJson, parseJsonField, tailId } from "../../src/renderer/src/lib/format.ts";
import { parseMetadataFilter } from "../../src/renderer/src/lib/metadata-filter.ts";
import { serverKeys } from "../../src/renderer/src/lib/query-keys.ts";
import { formatHash, parseHash } from "../../src/renderer/src/lib/route.ts";
import { configFields, configurableFrom, draftsFrom } from "../../src/renderer/src/lib/config-form.ts";
import { flattenVersion } from "../../src/renderer/src/lib/assistant-version.ts";

describe("renderer helpers", () => {
  it("diffs a checkpoint's values against its parent's, key by key", () => {
    expect(diffValues({ a: 1, b: [1], c: "x" }, { a: 1, b: [1, 2], d: true })).toEqual([
      { key: "b", kind: "changed", before: [1], after: [1, 2] },
      { key: "c", kind: "removed", before: "x" },
      { key: "d", kind: "added", after: true },
    ]);
    expect(diffValues(undefined, { a: 1 })).toEqual([{ key: "a", kind: "added", after: 1 }]);
  });

  it("parses the metadata filter as key=value pairs or JSON", () => {
    expect(parseMetadataFilter("")).toBeUndefined();
    expect(parseMetadataFilter(" graph_id=review, user = ann ")).toEqual({ graph_id: "review", user: "ann" });
    expect(parseMetadataFilter("q=a=b")).toEqual({ q: "a=b" });
    expect(parseMetadataFilter('{"n": 3}')).toEqual({ n: 3 });
    expect(() => parseMetadataFilter("{nope")).toThrow();
  });

  it("reads the selected thread and tab from the hash", () => {
    expect(parseHash("")).toEqual({ page: "threads", threadId: null, tab: "state", assistantId: null, namespace: [], checkpointId: null });
    expect(parseHash("#/threads/abc/history")).toEqual({
      page: "threads",
      threadId: "abc",
      tab: "history",
      assistantId: null,
      namespace: [],
      checkpointId: null,
    });
    expect(parseHash("#/threads/abc/bogus")).toEqual({
      page: "threads",
      threadId: "abc",
      tab: "state",
      assistantId: null,
      namespace: [],
      checkpointId: null,
    });
    expect(parseHash("#/crons")).toEqual({ page: "crons", threadId: null, tab: "state", assistantId: null, namespace: [], checkpointId: null });
    expect(formatHash(parseHash("#/crons"))).toBe("#/crons");
  });

  it("reads the Assistants page and the open assistant from the hash, and writes it back", () => {
    expect(parseHash("#/assistants")).toMatchObject({ page: "assistants", assistantId: null });
    expect(parseHash("#/assistants/a%2Fb")).toMatchObject({ page: "assistants", assistantId: "a/b" });
    expect(formatHash(parseHash("#/assistants/x1"))).toBe("#/assistants/x1");
    expect(formatHash(parseHash("#/threads/t1/runs"))).toBe("#/threads/t1/runs");
    expect(parseHash("#/memory/users/a%20b")).toMatchObject({ page: "memory", namespace: ["users", "a b"] });
    expect(formatHash(parseHash("#/memory/users/a%20b"))).toBe("#/memory/users/a%20b");
    expect(formatHash(parseHash("#/memory"))).toBe("#/memory");
    expect(parseHash("#/threads/t1/history/cp1")).toMatchObject({ tab: "history", checkpointId: "cp1" });
    expect(formatHash(parseHash("#/threads/t1/history/cp1"))).toBe("#/threads/t1/history/cp1");
    expect(parseHash("#/threads/t1/state/cp1").checkpointId).toBeNull();
  });

  it("derives the assistant config form from the config schema, and reads it back", () => {
    const schema = {
      type: "object",
      properties: {
        label: { type: "string", description: "shown" },
        factor: { type: "number" },
        n: { anyOf: [{ type: "integer" }, { type: "null" }] },
        mode: { enum: ["fast", "slow"] },
        loud: { type: "boolean" },
        tags: { type: "array", items: { type: "string" } },
      },
    };
    const fields = configFields(schema)!;
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ["label", "string"],
      ["factor", "number"],
      ["n", "integer"],
      ["mode", "enum"],
      ["loud", "boolean"],
      ["tags", "json"],
    ]);
    expect(configFields(null)).toBeNull();
    expect(configFields({ type: "object", properties: {} })).toBeNull();
    const drafts = draftsFrom(fields, { label: "x", tags: ["a"], other: 1 });
    expect(drafts).toMatchObject({ label: "x", factor: "", loud: false, tags: '[\n  "a"\n]' });
    // Empty fields are left out; keys outside the schema are kept.
    expect(configurableFrom(fields, { ...drafts, factor: "2.5", loud: true, mode: "slow" }, { label: "x", other: 1 })).toEqual({
      label: "x",
      other: 1,
      factor: 2.5,
      loud: true,
      mode: "slow",
      tags: ["a"],
    });
    expect(() => configurableFrom(fields, { n: "1.5" }, {})).toThrow(/n must be an integer/);
    expect(() => configurableFrom(fields, { tags: "[" }, {})).toThrow(/tags is not valid JSON/);
  });

  it("flattens assistant versions so a diff names the config key that changed", () => {
    const base = { assistant_id: "a", graph_id: "g", version: 1, created_at: "", context: {}, name: "n" };
    const before = flattenVersion({ ...base, config: { configurable: { f: 1 } }, metadata: { team: "ops" } });
    const after = flattenVersion({ ...base, version: 2, config: { configurable: { f: 2 } }, metadata: {} });
    expect(diffValues(before, after)).toEqual([
      { key: "config.configurable.f", kind: "changed", before: 1, after: 2 },
      { key: "metadata.team", kind: "removed", before: "ops" },
    ]);
  });

  it("formats ids and JSON for display, and names the field in JSON errors", () => {
    expect(tailId("01a20ce5-0645-73bf-b6d8-2cb7cc808ebb")).toBe("…cc808ebb");
    expect(tailId(null)).toBe("—");
    expect(compactJson({ a: "x".repeat(50) }, 10)).toBe('{"a":"xxxx…');
    expect(parseJsonField("  ", "Input")).toBeNull();
    expect(() => parseJsonField("{", "Input")).toThrow(/^Input is not valid JSON/);
  });

  it("scopes every server query key by boot id, with thread keys nested for invalidation", () => {
    const k = serverKeys("boot-1");
    expect(k.threads.state("t1").slice(0, k.threads.detail("t1").length)).toEqual(k.threads.detail("t1"));
    expect(k.threads.list({ status: "", metadata: "", page: 0 }).slice(0, k.threads.lists().length)).toEqual(k.threads.lists());
    expect(serverKeys("boot-2").threads.all()).not.toEqual(k.threads.all());
  });
});

describe("live graph", () => {
  it("follows a run from its tasks events: running node, visited nodes, edges taken (subgraph inner nodes included)", async () => {
    const { applyStreamEvent, finishLive, startLive } = await import("../../src/renderer/src/lib/live-run.ts");
    let live = startLive(true);
    const ev = (event: string, data: unknown) => (live = applyStreamEvent(live, event, data));
    ev("tasks", { id: "1", name: "plan", input: {} });
    expect(live.running).toEqual(["plan"]);
    ev("tasks", { id: "1", name: "plan", result: {} });
    ev("tasks", { id: "2", name: "research", input: {} });
    ev("tasks|research:2", { id: "3", name: "gather", input: {} });
    expect(live.running).toEqual(["research", "research:gather"]);
    ev("tasks|research:2", { id: "3", name: "gather", result: {} });
    ev("tasks", { id: "2", name: "research", result: {} });
    ev("tasks", { id: "4", name: "write", input: {} });
    ev("tasks", { id: "4", name: "write", result: {} });
    ev("values", {});
    live = finishLive(live);
    expect(live.running).toEqual([]);
    expect(live.visited).toEqual(["plan", "research", "research:gather", "write"]);
    expect(live.edges).toEqual(["__start__->plan", "plan->research", "plan->research:gather", "research:gather->write", "write->__end__"]);
  });

  it("replays a finished run from its history, oldest checkpoint first", async () => {
    const { replayFrames } = await import("../../src/renderer/src/lib/replay.ts");
    const cp = (next: string[], step: number) => ({ next, metadata: { step } });
    const frames = replayFrames([cp([], 2), cp(["report"], 1), cp(["increment"], 0), cp(["__start__"], -1)]);
    expect(frames.map((f) => [f.step, f.live.running])).toEqual([
      [0, ["increment"]],
      [1, ["report"]],
      [2, []],
    ]);
    expect(frames[2]!.live.edges).toEqual(["__start__->increment", "increment->report", "report->__end__"]);
    expect(frames[2]!.live.visited).toEqual(["increment", "report"]);
  });

  it("keeps breakpoints per graph and lists a subgraph's inner nodes after their parent", async () => {
    const { breakpointNodes, toggleBreakpoint } = await import("../../src/renderer/src/lib/breakpoints.ts");
    expect(breakpointNodes(["__start__", "plan", "research:__start__", "research:gather", "research:rank", "write", "__end__"])).toEqual([
      "plan",
      "research",
      "research:gather",
      "research:rank",
      "write",
    ]);
    let all = toggleBreakpoint({}, "review", "plan", "after");
    all = toggleBreakpoint(all, "review", "write", "before");
    expect(all.review).toEqual({ before: ["write"], after: ["plan"] });
    expect(toggleBreakpoint(all, "review", "plan", "after").review).toEqual({ before: ["write"], after: [] });
  });

  it("names where a thread paused inside a subgraph, and what Step pauses after", async () => {
    const { pausePoints, stepBreakpoints } = await import("../../src/renderer/src/lib/breakpoints.ts");
    expect(pausePoints({ next: ["research"], tasks: [{ name: "research", state: { next: [], tasks: [] } }] })).toEqual(["research"]);
    const inside = { next: ["research"], tasks: [{ name: "research", state: { next: ["rank"], tasks: [{ name: "rank" }] } }] };
    expect(pausePoints(inside)).toEqual(["research:rank"]);
    const deeper = { next: ["a"], tasks: [{ name: "a", state: { next: ["b"], tasks: [{ name: "b", state: { next: ["c"] } }] } }] };
    expect(pausePoints(deeper)).toEqual(["a:b:c"]);
    expect(stepBreakpoints(["write"])).toBe("*");
    expect(stepBreakpoints(["research:rank"])).toEqual(["*", "research:*"]);
    expect(stepBreakpoints(["a:b:c"])).toEqual(["*", "a:*", "a:b:*"]);
  });
});

describe("memory, shortcuts and theme helpers", () => {
  it("builds the namespace tree, marking where items live", async () => {
    const { namespaceTree, parseNamespace } = await import("../../src/renderer/src/lib/namespace-tree.ts");
    const tree = namespaceTree([["users", "bob"], ["bulk"], ["users", "ann", "memories"]]);
    expect(tree.map((n) => [n.label, n.own])).toEqual([
      ["bulk", true],
      ["users", false],
    ]);
    expect(tree[1]!.children.map((n) => n.path)).toEqual([
      ["users", "ann"],
      ["users", "bob"],
    ]);
    expect(tree[1]!.children[0]!.children[0]).toMatchObject({ path: ["users", "ann", "memories"], own: true });
    expect(parseNamespace(" users / ann.memories ")).toEqual(["users", "ann", "memories"]);
  });

  it("matches shortcuts, and only Ctrl+Enter while typing", async () => {
    const { matchShortcut } = await import("../../src/renderer/src/lib/shortcuts.ts");
    const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey", boolean>> = {}) => ({
      key: k,
      ctrlKey: false,
      metaKey: false,
      altKey: false,
      ...mods,
    });
    expect(matchShortcut(key("n"), false)?.description).toBe("New thread");
    expect(matchShortcut(key("n"), true)).toBeUndefined();
    expect(matchShortcut(key("n", { ctrlKey: true }), false)).toBeUndefined();
    expect(matchShortcut(key("Enter", { metaKey: true }), true)?.action).toEqual({ kind: "click", button: "Run" });
    expect(matchShortcut(key("2"), false)?.action).toEqual({ kind: "tab", tab: "history" });
  });

  it("resolves the theme: the override wins, else the system", async () => {
    const { resolveTheme } = await import("../../src/renderer/src/lib/theme.ts");
    expect(resolveTheme("system", true)).toBe("light");
    expect(resolveTheme("system", false)).toBe("dark");
    expect(resolveTheme("dark", true)).toBe("dark");
    expect(resolveTheme("light", false)).toBe("light");
  });
});
