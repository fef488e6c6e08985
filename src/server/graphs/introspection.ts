// Graph introspection for /assistants/{id}/graph, /schemas and /subgraphs.
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Assistant } from "../persistence/types.ts";
import type { CompiledGraph, GraphRegistry } from "./registry.ts";
import { extractSchemas, needsStaticParse, prefetchStaticSchemas, type GraphSchemas, type GraphSource } from "./runtime-schema.ts";

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
  return { graph_id: assistant.graph_id, ...(await extractSchemas(graph, registry.source(assistant.graph_id))) };
}

export interface SubgraphSchemas {
  state: unknown;
  input: unknown;
  output: unknown;
  config: unknown;
}

export async function graphSubgraphs(
  registry: GraphRegistry,
  assistant: Assistant,
  namespace: string | undefined,
  recurse: boolean,
): Promise<Record<string, SubgraphSchemas>> {
  const graph = await graphFor(registry, assistant);
  const out: Record<string, SubgraphSchemas> = {};
  for await (const [ns, subgraph] of graph.getSubgraphsAsync(namespace, recurse)) {
    const s = await extractSchemas(subgraph as CompiledGraph, registry.source(assistant.graph_id), ns);
    // Subgraph entries use the bare keys, as the reference sends them.
    out[ns] = { state: s.state_schema, input: s.input_schema, output: s.output_schema, config: s.config_schema };
  }
  return out;
}

/**
 * Parses, in one background pass, the sources of the graphs whose schemas
 * exist only as TypeScript types. That parse takes seconds (more on a busy
 * machine), and without this the first /schemas or /subgraphs of each such
 * graph waited for it.
 */
export async function prefetchGraphSchemas(registry: GraphRegistry): Promise<void> {
  const sources: GraphSource[] = [];
  for (const graphId of registry.ids()) {
    const source = registry.source(graphId);
    if (!source) continue;
    const graph = registry.staticGraph(graphId);
    if (graph && !(await needsStaticParse(graph, source))) continue;
    sources.push(source);
  }
  await prefetchStaticSchemas(sources);
}
