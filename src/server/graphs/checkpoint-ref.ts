// A checkpoint as the API names it (thread, namespace, id, map), read from a
// LangGraph config: used by run events (runs/stream-modes.ts) and by thread
// states (threads/thread-state.ts), so it belongs to neither.
import type { RunnableConfig } from "@langchain/core/runnables";

export interface ApiCheckpoint {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  checkpoint_map: Record<string, unknown> | null;
}

export type Configurable = Record<string, unknown>;
export const configurableOf = (config: unknown): Configurable | undefined => {
  if (typeof config !== "object" || config === null) return undefined;
  const c = (config as RunnableConfig).configurable;
  return typeof c === "object" && c !== null ? (c as Configurable) : undefined;
};

export function configToCheckpoint(config: unknown): ApiCheckpoint | null {
  const c = configurableOf(config);
  if (!c || typeof c.thread_id !== "string" || typeof c.checkpoint_id !== "string") return null;
  return {
    thread_id: c.thread_id,
    checkpoint_ns: typeof c.checkpoint_ns === "string" ? c.checkpoint_ns : "",
    checkpoint_id: c.checkpoint_id,
    checkpoint_map: (c.checkpoint_map as Record<string, unknown> | undefined) ?? null,
  };
}
