// Where a broken edit is: skeino dev reads it from esbuild's message (a syntax
// error) or from the first stack frame in the project (an import that throws).
import { describe, expect, it } from "vitest";
import { locateError } from "../../src/server/dev/graph-reloader.ts";

const project = "/home/me/my agent";

describe("locateError", () => {
  it("reads esbuild's file:line:column", () => {
    const error = new Error(`Transform failed with 1 error:\n${project}/src/agent.ts:4:15: ERROR: Unexpected ";"`);
    expect(locateError(error, project)).toEqual({ file: `${project}/src/agent.ts`, line: 4, column: 15 });
  });

  it("reads the first project frame of a stack, a module URL with skeino dev's query, skipping node_modules", () => {
    const error = new Error("boom at import");
    error.stack = [
      "Error: boom at import",
      `    at helper (file://${project.replace(" ", "%20")}/node_modules/lib/index.js:1:1)`,
      `    at <anonymous> (file://${project.replace(" ", "%20")}/src/tools.ts?skeino-dev=3:12:7)`,
      `    at <anonymous> (file://${project.replace(" ", "%20")}/src/agent.ts?skeino-dev=3:2:1)`,
    ].join("\n");
    expect(locateError(error, project)).toEqual({ file: `${project}/src/tools.ts`, line: 12, column: 7 });
  });

  it("follows the cause, and ignores places outside the project", () => {
    const inner = new Error("nope");
    inner.stack = "Error: nope\n    at x (/somewhere/else.ts:3:3)\n    at y (/home/me/my agent/src/a.mts:9:1)";
    const outer = new Error('langgraph.json: "graphs.agent": loading ./src/a.mts failed: nope', { cause: inner });
    outer.stack = "ConfigError: ...\n    at loadManifest (/opt/skeino/dist/server/manifest.js:40:5)";
    expect(locateError(outer, project)).toEqual({ file: `${project}/src/a.mts`, line: 9, column: 1 });
    expect(locateError(new Error("no place"), project)).toBeUndefined();
  });
});
