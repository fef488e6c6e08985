// The protocol's command envelope and the checks its params share: parsing
// what a client sent into a command (or the error envelope it gets back),
// and reading typed params out of it.
import type { Command } from "@langchain/protocol";
import type { JsonObject, MultitaskStrategy } from "../persistence/types.ts";
import type { ApiThreadState } from "../threads/thread-state.ts";
import { errorEnvelope, invalidArgument, type ErrorEnvelope } from "./errors.ts";

export type Params = Record<string, unknown>;

export interface SuccessEnvelope {
  type: "success";
  id: number;
  result: unknown;
  meta: { thread_id: string };
}

export const isObject = (v: unknown): v is Params => typeof v === "object" && v !== null && !Array.isArray(v);
const STRATEGIES = new Set<MultitaskStrategy>(["reject", "interrupt", "rollback", "enqueue"]);

/** Checks the envelope: an integer id >= 0, a method, params an object if present. */
export function parseCommand(raw: unknown): Command | ErrorEnvelope {
  if (!isObject(raw)) return errorEnvelope(null, invalidArgument("A protocol command must be a JSON object with an integer id and a string method."));
  const id = typeof raw.id === "number" && Number.isInteger(raw.id) && raw.id >= 0 ? raw.id : null;
  if (id === null || typeof raw.method !== "string" || raw.method === "") {
    return errorEnvelope(id, invalidArgument("Protocol commands must include an integer id and string method."));
  }
  if (raw.params !== undefined && raw.params !== null && !isObject(raw.params))
    return errorEnvelope(id, invalidArgument("params must be an object."));
  return { id, method: raw.method, params: (raw.params ?? {}) as Params } as Command;
}

export function optionalObject(p: Params, key: string): JsonObject | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalidArgument(`${key} must be an object.`);
  return v;
}

export function strategyOf(p: Params): MultitaskStrategy {
  const given = p.multitaskStrategy ?? p.multitask_strategy;
  if (given === undefined || given === null) return "enqueue";
  if (typeof given !== "string" || !STRATEGIES.has(given as MultitaskStrategy))
    throw invalidArgument("multitaskStrategy must be one of reject, interrupt, rollback, enqueue.");
  return given as MultitaskStrategy;
}

/** Interrupt ids the thread waits on, subgraphs included. */
export function pendingInterrupts(state: ApiThreadState): string[] {
  const ids: string[] = [];
  for (const task of state.tasks) {
    for (const i of task.interrupts) if (isObject(i) && typeof i.id === "string") ids.push(i.id);
    if (task.state) ids.push(...pendingInterrupts(task.state));
  }
  return ids;
}
