// How run-level interrupt_before / interrupt_after split by subgraph path.
import { describe, expect, it } from "vitest";
import { breakpointTree, type BreakpointTree } from "../../../src/server/runs/subgraph-breakpoints.ts";

const plain = (t: BreakpointTree): unknown => ({
  before: t.before,
  after: t.after,
  children: Object.fromEntries([...t.children].map(([k, v]) => [k, plain(v)])),
});

describe("breakpointTree", () => {
  it("keeps top-level lists as given, '*' included", () => {
    expect(plain(breakpointTree(["a"], "*"))).toEqual({ before: ["a"], after: "*", children: {} });
    expect(plain(breakpointTree([], undefined))).toEqual({ before: [], after: undefined, children: {} });
  });

  it("puts 'parent:child' names under their subgraph node, any depth", () => {
    expect(plain(breakpointTree(["plan", "research:rank", "a:b:c"], ["research:gather"]))).toEqual({
      before: ["plan"],
      after: undefined,
      children: {
        research: { before: ["rank"], after: ["gather"], children: {} },
        a: { before: undefined, after: undefined, children: { b: { before: ["c"], after: undefined, children: {} } } },
      },
    });
  });

  it("reads a '*' entry as every node of its level (what Step sends)", () => {
    expect(plain(breakpointTree(undefined, ["*", "research:*", "research:rank"]))).toEqual({
      before: undefined,
      after: "*",
      children: { research: { before: undefined, after: "*", children: {} } },
    });
  });
});
