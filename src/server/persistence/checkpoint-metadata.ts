// Every checkpoint records the run that wrote it: the run's metadata and the
// public configurable keys (run_id, graph_id, assistant_id, user metadata).
// History filters by metadata and multitask rollback deletes by run_id rely
// on it. LangGraph's savers store only what the graph loop passes, so the
// instrumented saver (./instrumented-saver.ts) merges it in at put().
import type { RunnableConfig } from "@langchain/core/runnables";
import type { CheckpointMetadata } from "@langchain/langgraph-checkpoint";

const EXCLUDED = new Set(["checkpoint_ns", "checkpoint_id", "run_id", "thread_id"]);

const isPrimitive = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** The checkpoint's metadata with the run's merged in under it (the graph loop's own keys win). */
export function mergeRunMetadata(config: RunnableConfig, metadata: CheckpointMetadata): CheckpointMetadata {
  // Plain loops: this runs for every checkpoint of every run.
  const merged: Record<string, unknown> = {};
  const configurable = config.configurable;
  if (configurable) {
    for (const k in configurable) {
      const v: unknown = configurable[k];
      if (isPrimitive(v) && !k.startsWith("__") && !EXCLUDED.has(k)) merged[k] = v;
    }
  }
  const runMetadata = config.metadata as Record<string, unknown> | undefined;
  if (runMetadata) {
    for (const k in runMetadata) {
      const v = runMetadata[k];
      if ((isPrimitive(v) || (typeof v === "object" && v !== null)) && !k.startsWith("__")) merged[k] = v;
    }
  }
  for (const k in metadata) merged[k] = (metadata as Record<string, unknown>)[k];
  return merged as CheckpointMetadata;
}
