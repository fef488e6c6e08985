// An assistant version as flat "path: value" pairs, so two versions diff key
// by key (config.configurable.label) instead of as one opaque config blob.
import type { AssistantVersion } from "@langchain/langgraph-sdk";

function flattenInto(out: Record<string, unknown>, prefix: string, value: unknown): void {
  if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flattenInto(out, `${prefix}.${k}`, v);
  } else if (!(value && typeof value === "object" && !Array.isArray(value))) {
    out[prefix] = value;
  }
}

export function flattenVersion(v: AssistantVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { graph_id: v.graph_id, name: v.name, description: v.description ?? null };
  flattenInto(out, "config", v.config);
  flattenInto(out, "metadata", v.metadata);
  return out;
}
