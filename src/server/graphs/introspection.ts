// Graph introspection for /assistants/{id}/graph, /schemas and /subgraphs.
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Assistant } from "../persistence/types.ts";
import type { CompiledGraph, GraphRegistry } from "./registry.ts";
import { extractRuntimeSchemas, type GraphSchemas } from "./runtime-schema.ts";

async function graphFor(registry: GraphRegistry, assistant: Assistant): Promise<CompiledGraph> {
  return registry.get(assistant.graph_id, { ...(assistant.config as RunnableConfig), configurable: { ...assistant.config.configurable } });
}

export async function drawGraph(registry: GraphRegistry, assistant: Assistant, xray: boolean | number): Promise<unknown> {
  const graph = await graphFor(registry, assistant);
  const drawable = await graph.getGraphAsync({ ...(assistant.config as RunnableConfig), xray } as RunnableConfig);
  return drawable.toJSON();
}

export async function graphSchemas(registry: GraphRegistry, assistant: Assistant): Promise<GraphSchemas & { graph_id: string }> {
  const graph = await graphFor(registry, assistant);
  return { graph_id: assistant.graph_id, ...(await extractRuntimeSchemas(graph)) };
}

export async function graphSubgraphs(
  registry: GraphRegistry,
  assistant: Assistant,
  namespace: string | undefined,
  recurse: boolean,
): Promise<Record<string, GraphSchemas>> {
  const graph = await graphFor(registry, assistant);
  const out: Record<string, GraphSchemas> = {};
  for await (const [ns, subgraph] of graph.getSubgraphsAsync(namespace, recurse)) {
    out[ns] = await extractRuntimeSchemas(subgraph as CompiledGraph);
  }
  return out;
}
