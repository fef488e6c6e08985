// Turns LangGraph stream chunks into the SSE events of the LangGraph Platform
// API (event names, `mode|ns` naming for subgraphs, debug/tasks payloads).
import { configurableOf, configToCheckpoint, type ApiCheckpoint } from "../graphs/checkpoint-ref.ts";

export interface SseOut {
  event: string;
  data: unknown;
}

function taskConfigToCheckpoint(config: unknown): Partial<ApiCheckpoint> | null {
  const c = configurableOf(config);
  if (!c || typeof c.thread_id !== "string") return null;
  return {
    thread_id: c.thread_id,
    checkpoint_ns: typeof c.checkpoint_ns === "string" ? c.checkpoint_ns : "",
    ...(typeof c.checkpoint_id === "string" ? { checkpoint_id: c.checkpoint_id } : { checkpoint_id: undefined }),
    checkpoint_map: (c.checkpoint_map as Record<string, unknown> | undefined) ?? null,
  } as Partial<ApiCheckpoint>;
}

function stripInternal(config: unknown): unknown {
  const c = configurableOf(config);
  if (!c) return config;
  const { callbacks: _callbacks, ...rest } = config as Record<string, unknown>;
  return { ...rest, configurable: Object.fromEntries(Object.entries(c).filter(([k]) => !k.startsWith("__"))) };
}

interface DebugTask {
  id: string;
  state?: unknown;
  [key: string]: unknown;
}

export function preprocessTask(task: DebugTask): Record<string, unknown> {
  const checkpoint = configurableOf(task.state) ? taskConfigToCheckpoint(task.state) : null;
  if (!checkpoint) return task;
  const { state: _state, ...rest } = task;
  return { ...rest, checkpoint };
}

export function preprocessDebugCheckpoint(payload: Record<string, unknown>): Record<string, unknown> {
  const { parentConfig, ...rest } = payload;
  return {
    ...rest,
    config: stripInternal(payload.config),
    parent_config: stripInternal(parentConfig),
    checkpoint: configToCheckpoint(payload.config),
    parent_checkpoint: configToCheckpoint(parentConfig),
    tasks: Array.isArray(payload.tasks) ? (payload.tasks as DebugTask[]).map(preprocessTask) : [],
  };
}

const isEnvelope = (chunk: unknown): boolean =>
  typeof chunk === "object" && chunk !== null && !("values" in chunk) && "id" in chunk && "step" in chunk && "source" in chunk;

/**
 * One library chunk -> zero or one SSE events. `userModes` are the modes the
 * client asked for; the library may have been asked for more.
 */
export function translateChunk(ns: string[] | undefined, mode: string, chunk: unknown, userModes: string[], subgraphs: boolean): SseOut | undefined {
  const suffix = subgraphs && ns && ns.length ? `|${ns.join("|")}` : "";
  let data: unknown = chunk;
  if (mode === "debug") {
    const debug = chunk as { type: string; payload: Record<string, unknown> };
    if (debug.type === "checkpoint") data = { ...debug, payload: preprocessDebugCheckpoint(debug.payload) };
    else if (debug.type === "task_result") data = { ...debug, payload: preprocessTask(debug.payload as DebugTask) };
  } else if (mode === "checkpoints") {
    if (isEnvelope(chunk)) return undefined;
    const c = chunk as { values: unknown; metadata: unknown; next: unknown };
    data = { values: c.values, metadata: c.metadata, next: c.next };
  } else if (mode === "tasks") {
    data = preprocessTask(chunk as DebugTask);
  }
  if (mode === "messages") {
    return userModes.includes("messages-tuple") ? { event: `messages${suffix}`, data } : undefined;
  }
  if (!userModes.includes(mode)) return undefined;
  return { event: `${mode}${suffix}`, data };
}

/** Library stream modes needed to serve the user's modes. */
export function libraryModes(userModes: string[]): string[] {
  const modes = new Set(userModes.filter((m) => m !== "events" && m !== "messages-tuple"));
  if (userModes.includes("messages-tuple")) modes.add("messages");
  if (userModes.includes("messages")) {
    // The legacy "messages" mode is built from values and chat model events.
    modes.delete("messages");
    modes.add("values");
  }
  return [...modes];
}
