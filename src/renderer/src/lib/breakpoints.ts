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

const terminal = (id: string) => {
  const last = id.split(":").pop();
  return last === "__start__" || last === "__end__";
};

/**
 * The nodes a breakpoint can name: the graph's own nodes and, as the xray
 * drawing names them ("parent:child"), the nodes inside its subgraphs; the
 * server pauses inside the subgraph for those. A subgraph node is listed
 * before its inner nodes even when the drawing only has the inner ones.
 */
export function breakpointNodes(nodeIds: string[]): string[] {
  const out: string[] = [];
  for (const id of nodeIds) {
    if (terminal(id)) continue;
    const parts = id.split(":");
    for (let i = 1; i <= parts.length; i++) {
      const name = parts.slice(0, i).join(":");
      if (!out.includes(name)) out.push(name);
    }
  }
  return out;
}

/** What getState({ subgraphs: true }) gives for the part this needs. */
export interface PausedSnapshot {
  next: string[];
  tasks?: Array<{ name: string; state?: unknown }>;
}

const isSnapshot = (x: unknown): x is PausedSnapshot => typeof x === "object" && x !== null && Array.isArray((x as PausedSnapshot).next);

/**
 * Where a paused thread stands, in the xray names: a subgraph node paused
 * inside its subgraph is named by the inner node(s) it will run next
 * ("research:rank"), any depth; otherwise the top-level next node.
 */
export function pausePoints(state: PausedSnapshot): string[] {
  const out: string[] = [];
  for (const name of state.next) {
    const inner = (state.tasks ?? []).filter((t) => t.name === name && isSnapshot(t.state) && t.state.next.length > 0);
    if (inner.length === 0) out.push(name);
    for (const t of inner) for (const p of pausePoints(t.state as PausedSnapshot)) out.push(`${name}:${p}`);
  }
  return [...new Set(out)];
}

/**
 * The breakpoints for Step: pause after the next node, whichever it is. Paused
 * inside a subgraph, that node is the subgraph's: "*" for every subgraph level
 * on the way, and for the top level, so a subgraph that finishes pauses after
 * its parent node.
 */
export function stepBreakpoints(points: string[]): "*" | string[] {
  const levels = new Set<string>();
  for (const p of points) {
    const parts = p.split(":");
    for (let i = 1; i < parts.length; i++) levels.add(`${parts.slice(0, i).join(":")}:*`);
  }
  return levels.size ? ["*", ...levels] : "*";
}
