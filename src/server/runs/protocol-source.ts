// A run's events in the streaming protocol's terms (method + namespace):
// from the graph's own streamEvents v3 (its LangGraph copy builds messages
// token by token, tool lifecycles, checkpoint envelopes, lifecycle of
// subgraphs, and runs the graph's stream transformers), or, for a graph
// whose LangGraph predates v3, from its stream modes converted here.
import { STREAM_EVENTS_V3_MODES, convertToProtocolEvent } from "@langchain/langgraph";
import type { CompiledGraph } from "../graphs/registry.ts";
import type { ProtocolSourceEvent } from "./run-observer.ts";

interface V3Event {
  method: string;
  params: { namespace: string[]; node?: string; data: unknown };
}

type StreamEventsV3 = (input: unknown, options: Record<string, unknown>) => Promise<AsyncIterable<V3Event>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** v3's updates carry `{node, values}`; on the wire, data is the node's delta and node is a param. */
function flatten(e: V3Event): ProtocolSourceEvent {
  const { namespace, node, data } = e.params;
  if (e.method === "updates" && isObject(data) && "values" in data && typeof data.node === "string") {
    return { method: "updates", namespace, node: data.node, data: data.values };
  }
  return { method: e.method, namespace, ...(node ? { node } : {}), data };
}

function unsupportedV3(error: unknown): boolean {
  return error instanceof Error && /version/i.test(error.message) && /v3|v1|v2|support/i.test(error.message);
}

export async function* protocolSource(graph: CompiledGraph, input: unknown, options: Record<string, unknown>): AsyncGenerator<ProtocolSourceEvent> {
  const { subgraphs: _subgraphs, ...rest } = options;
  let source: AsyncIterable<V3Event> | undefined;
  try {
    source = await (graph.streamEvents as unknown as StreamEventsV3)(input, { ...rest, version: "v3" });
  } catch (error) {
    if (!unsupportedV3(error)) throw error;
  }
  if (source) {
    for await (const e of source) yield flatten(e);
    return;
  }
  const stream = await graph.stream(input, { ...rest, streamMode: [...STREAM_EVENTS_V3_MODES], subgraphs: true } as Parameters<
    CompiledGraph["stream"]
  >[1]);
  let seq = 0;
  for await (const item of stream as AsyncIterable<[string[], string, unknown]>) {
    const [namespace, mode, payload] = item;
    // Before v3 "messages" are [chunk, metadata] tuples, not the protocol's content blocks.
    if (mode === "messages") continue;
    for (const e of convertToProtocolEvent({ namespace, mode, payload, seq: seq++ } as Parameters<typeof convertToProtocolEvent>[0])) {
      yield flatten(e as unknown as V3Event);
    }
  }
}

/** The classic stream modes whose chunks also go to protocol streams. */
export const CLASSIC_OBSERVED_MODES = new Set(["values", "updates", "custom"]);

/** A classic run's chunk -> protocol events (updates: one per node). */
export function classicToProtocol(namespace: string[], mode: string, chunk: unknown, json: string | undefined): ProtocolSourceEvent[] {
  if (mode === "updates") {
    if (!isObject(chunk)) return [];
    return Object.entries(chunk).map(([node, delta]) => ({ method: "updates", namespace, node, data: delta }));
  }
  if (mode === "custom") return [{ method: "custom", namespace, data: isObject(chunk) && "name" in chunk ? chunk : { payload: chunk } }];
  return [{ method: mode, namespace, data: chunk, ...(json !== undefined ? { dataJson: json } : {}) }];
}
