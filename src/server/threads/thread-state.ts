// LangGraph StateSnapshot -> the API's ThreadState, and what a thread record
// keeps of it (values, interrupts, whether it waits on a next node).
import type { StateSnapshot } from "@langchain/langgraph";
import { configToCheckpoint, type ApiCheckpoint } from "../graphs/checkpoint-ref.ts";
import { serializeError } from "../serialize.ts";

export interface ApiThreadTask {
  id: string;
  name: string;
  error: string | null;
  interrupts: unknown[];
  path?: unknown;
  checkpoint: Record<string, unknown> | null;
  state: ApiThreadState | null;
  result: unknown;
}

export interface ApiThreadState {
  values: unknown;
  next: string[];
  tasks: ApiThreadTask[];
  metadata: Record<string, unknown> | undefined;
  created_at: string | null;
  checkpoint: ApiCheckpoint | null;
  parent_checkpoint: ApiCheckpoint | null;
}

const isSnapshot = (value: unknown): value is StateSnapshot => typeof value === "object" && value !== null && "values" in value && "next" in value;

export function toApiThreadState(state: StateSnapshot): ApiThreadState {
  const metadata = state.metadata as Record<string, unknown> | undefined;
  if (metadata && metadata.checkpoint_ns === "") delete metadata.checkpoint_ns;
  return {
    values: state.values,
    next: state.next as string[],
    tasks: (state.tasks ?? []).map((task) => ({
      id: task.id,
      name: task.name,
      error: task.error != null ? serializeError(task.error).message : null,
      interrupts: (task.interrupts ?? []) as unknown[],
      path: (task as { path?: unknown }).path,
      checkpoint:
        task.state != null && !isSnapshot(task.state) && "configurable" in task.state
          ? ((task.state.configurable as Record<string, unknown>) ?? null)
          : null,
      state: task.state != null && isSnapshot(task.state) ? toApiThreadState(task.state) : null,
      result: (task as { result?: unknown }).result ?? null,
    })),
    metadata,
    created_at: state.createdAt ? new Date(state.createdAt).toISOString() : null,
    checkpoint: configToCheckpoint(state.config),
    parent_checkpoint: configToCheckpoint(state.parentConfig),
  };
}

export const EMPTY_THREAD_STATE: ApiThreadState = {
  values: {},
  next: [],
  tasks: [],
  metadata: undefined,
  created_at: null,
  checkpoint: null,
  parent_checkpoint: null,
};

export function computeThreadFromState(state: StateSnapshot): {
  values: Record<string, unknown> | null;
  interrupts: Record<string, unknown[]>;
  hasNext: boolean;
} {
  const interrupts: Record<string, unknown[]> = {};
  for (const task of state.tasks ?? []) {
    if (task.interrupts) interrupts[task.id] = task.interrupts as unknown[];
  }
  return {
    values: (state.values as Record<string, unknown> | undefined) ?? null,
    interrupts,
    hasNext: (state.next?.length ?? 0) > 0,
  };
}
