// The threads list's metadata filter: what a user types -> the SDK's metadata query.
import type { Metadata } from "@langchain/langgraph-sdk";

/** `{"k":"v"}` (JSON, any values) or `k=v, k2=v2` (strings); empty = no filter. Throws on bad JSON. */
export function parseMetadataFilter(text: string): Metadata | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (t.startsWith("{")) return JSON.parse(t) as Metadata;
  const out: Record<string, string> = {};
  for (const pair of t.split(",")) {
    const [k, ...v] = pair.split("=");
    if (k?.trim()) out[k.trim()] = v.join("=").trim();
  }
  return out;
}
