// The renderer's pure helpers (no DOM): state diff, metadata filter, hash
// routes, id display, graph layout.
import { describe, expect, it } from "vitest";
import { diffValues } from "../../src/renderer/src/lib/diff.ts";
import { compactJson, parseJsonField, tailId } from "../../src/renderer/src/lib/format.ts";
import { parseMetadataFilter } from "../../src/renderer/src/lib/metadata-filter.ts";
import { serverKeys } from "../../src/renderer/src/lib/query-keys.ts";
import { parseHash } from "../../src/renderer/src/lib/route.ts";

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
    expect(parseHash("")).toEqual({ threadId: null, tab: "state" });
    expect(parseHash("#/crons")).toEqual({ threadId: null, tab: "state", crons: true });
    expect(parseHash("#/threads/abc/history")).toEqual({ threadId: "abc", tab: "history" });
    expect(parseHash("#/threads/abc/bogus")).toEqual({ threadId: "abc", tab: "state" });
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
