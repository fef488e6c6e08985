// Breakpoints the user set, per graph: "pause before" / "pause after" node
// names, sent as interrupt_before / interrupt_after with every run the Studio
// starts. Kept in localStorage so they survive a reload, and shared by the
// graph view and the run panel through one external store.
import { useCallback, useSyncExternalStore } from "react";

export type BreakpointWhen = "before" | "after";

export interface Breakpoints {
  before: string[];
  after: string[];
}

const EMPTY: Breakpoints = { before: [], after: [] };
const STORAGE_KEY = "skeino.breakpoints";
const listeners = new Set<() => void>();
let cache: Record<string, Breakpoints> | null = null;

function readAll(): Record<string, Breakpoints> {
  if (cache) return cache;
  try {
    const parsed = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? "{}") as unknown;
    cache = parsed && typeof parsed === "object" ? (parsed as Record<string, Breakpoints>) : {};
  } catch {
    // A corrupt entry must not break the Studio: start with no breakpoints.
    cache = {};
  }
  return cache;
}

export function toggleBreakpoint(all: Record<string, Breakpoints>, graphId: string, node: string, when: BreakpointWhen): Record<string, Breakpoints> {
  const cur = all[graphId] ?? EMPTY;
  const list = cur[when].includes(node) ? cur[when].filter((n) => n !== node) : [...cur[when], node];
  return { ...all, [graphId]: { ...cur, [when]: list } };
}

function write(next: Record<string, Breakpoints>): void {
  cache = next;
  window.localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  for (const l of listeners) l();
}

function subscribe(cb: () => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

export function useBreakpoints(graphId: string): [Breakpoints, (node: string, when: BreakpointWhen) => void, () => void] {
  const all = useSyncExternalStore(subscribe, readAll);
  const toggle = useCallback((node: string, when: BreakpointWhen) => write(toggleBreakpoint(readAll(), graphId, node, when)), [graphId]);
  const clear = useCallback(() => write({ ...readAll(), [graphId]: EMPTY }), [graphId]);
  return [all[graphId] ?? EMPTY, toggle, clear];
}

/**
 * The nodes a breakpoint can name: the graph's own nodes. An xray drawing shows
 * a subgraph's inner nodes as "parent:child"; interrupt_before/after apply to
 * the graph the run starts, so those map to their parent node.
 */
export function breakpointNodes(nodeIds: string[]): string[] {
  const out: string[] = [];
  for (const id of nodeIds) {
    const top = id.split(":")[0]!;
    if (top === "__start__" || top === "__end__" || out.includes(top)) continue;
    out.push(top);
  }
  return out;
}
