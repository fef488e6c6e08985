// JSON schemas of a graph read at runtime: the channel names of its state,
// input and output (types are not recoverable from Annotation graphs at
// runtime; zod-typed graphs would carry more, which we do not extract yet).
import type { CompiledGraph } from "./registry.ts";

export interface GraphSchemas {
  input_schema: unknown;
  output_schema: unknown;
  state_schema: unknown;
  config_schema: unknown;
  context_schema: unknown;
}

interface BuilderLike {
  _schemaDefinition?: Record<string, unknown>;
  _inputDefinition?: Record<string, unknown>;
  _outputDefinition?: Record<string, unknown>;
}

function objectSchema(title: string, keys: string[] | undefined): unknown {
  if (!keys) return null;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title,
    type: "object",
    properties: Object.fromEntries(keys.map((k) => [k, {}])),
  };
}

const keysOf = (def: unknown): string[] | undefined =>
  typeof def === "object" && def !== null ? Object.keys(def).filter((k) => !k.startsWith("__")) : undefined;

export async function extractRuntimeSchemas(graph: CompiledGraph): Promise<GraphSchemas> {
  const builder = (graph as unknown as { builder?: BuilderLike }).builder;
  const state = keysOf(builder?._schemaDefinition) ?? keysOf(graph.channels);
  return {
    input_schema: objectSchema("input", keysOf(builder?._inputDefinition) ?? state),
    output_schema: objectSchema("output", keysOf(builder?._outputDefinition) ?? state),
    state_schema: objectSchema("state", state),
    config_schema: null,
    context_schema: null,
  };
}
