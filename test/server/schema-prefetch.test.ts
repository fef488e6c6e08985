// The background schema parse of `skeino serve`: the graphs that carry no
// runtime schemas are parsed in one call, graphs with zod schemas are left
// out, and requests afterwards (or meanwhile) use that parse instead of
// starting their own. The parser is mocked: only who calls it, and how often.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { Annotation, MemorySaver, InMemoryStore, StateGraph } from "@langchain/langgraph";
import { GRAPH_SOURCE, GraphRegistry, type GraphEntry } from "../../src/server/graphs/registry.ts";
import { prefetchGraphSchemas } from "../../src/server/graphs/introspection.ts";
import { extractSchemas, forgetStaticSchemas, type GraphSource } from "../../src/server/graphs/runtime-schema.ts";
import { createGate } from "../helpers/wait.ts";

const parser = vi.hoisted(() => ({
  gate: undefined as { pass(): Promise<void> } | undefined,
  calls: [] as unknown[],
}));
vi.mock("@langchain/langgraph-api/schema", () => ({
  // As the real one: schemas for a graph built on a zod object, none for Annotation state.
  getRuntimeGraphSchema: async (graph: { builder?: { _schemaRuntimeDefinition?: unknown } }) =>
    graph.builder?._schemaRuntimeDefinition ? { state: { title: "runtime" } } : undefined,
  getStaticGraphSchema: async (input: Record<string, unknown>) => {
    parser.calls.push(input);
    await parser.gate?.pass();
    const schemaOf = (key: string) => ({ graph: { state: { title: key } } });
    return "sourceFile" in input ? schemaOf("alone") : Object.fromEntries(Object.keys(input).map((k) => [k, schemaOf(k)]));
  },
}));

const annotated = () =>
  new StateGraph(Annotation.Root({ text: Annotation<string> }))
    .addNode("echo", (s) => s)
    .addEdge("__start__", "echo")
    .compile();
const zodGraph = () =>
  new StateGraph(z.object({ text: z.string() }))
    .addNode("echo", (s) => s)
    .addEdge("__start__", "echo")
    .compile();

function withSource(entry: GraphEntry, sourceFile: string): GraphEntry {
  Object.defineProperty(entry, GRAPH_SOURCE, { value: { sourceFile, exportSymbol: "graph" } satisfies GraphSource });
  return entry;
}

async function registryOf(entries: Record<string, GraphEntry>): Promise<GraphRegistry> {
  const registry = new GraphRegistry(entries, new MemorySaver(), new InMemoryStore());
  await registry.init();
  return registry;
}

describe("prefetchGraphSchemas", () => {
  afterEach(() => {
    parser.calls = [];
    parser.gate = undefined;
    forgetStaticSchemas();
  });

  it("parses every graph without runtime schemas in one call, and later requests reuse it", async () => {
    const registry = await registryOf({
      a: withSource(annotated(), "/p/a.ts"),
      b: withSource(annotated(), "/p/b.ts"),
      z: withSource(zodGraph(), "/p/z.ts"),
      bare: annotated(),
    });
    await prefetchGraphSchemas(registry);
    expect(parser.calls).toEqual([{ "/p/a.ts:graph": registry.source("a"), "/p/b.ts:graph": registry.source("b") }]);
    const a = await extractSchemas(await registry.get("a"), registry.source("a"));
    const b = await extractSchemas(await registry.get("b"), registry.source("b"));
    expect(a.state_schema).toEqual({ title: "/p/a.ts:graph" });
    expect(b.state_schema).toEqual({ title: "/p/b.ts:graph" });
    expect(parser.calls).toHaveLength(1);
  });

  it("a request arriving while the parse runs waits for it instead of starting its own", async () => {
    const registry = await registryOf({ a: withSource(annotated(), "/p/a.ts") });
    const gate = createGate();
    parser.gate = gate;
    const prefetching = prefetchGraphSchemas(registry);
    await gate.reached;
    const asked = extractSchemas(await registry.get("a"), registry.source("a"));
    gate.open();
    expect((await asked).state_schema).toEqual({ title: "/p/a.ts:graph" });
    await prefetching;
    expect(parser.calls).toHaveLength(1);
  });
});
