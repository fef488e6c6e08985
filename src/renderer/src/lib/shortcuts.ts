// Keyboard shortcuts, written once: the help overlay lists this table and the
// key handler reads it. Most press the same button a click would, so a
// shortcut does exactly what the button does, and nothing when it is disabled
// or not on screen.
import type { Page, ThreadTab } from "./route.ts";

export type ShortcutAction =
  | { kind: "help" }
  | { kind: "click"; button: string }
  | { kind: "focus"; labels: string[] }
  | { kind: "page"; page: Page }
  | { kind: "tab"; tab: ThreadTab };

export interface Shortcut {
  keys: string;
  description: string;
  action: ShortcutAction;
  /** Works while typing in a field (the others would eat typed characters). */
  inFields?: boolean;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: "?", description: "Show or hide this help", action: { kind: "help" } },
  { keys: "n", description: "New thread", action: { kind: "click", button: "New thread" } },
  { keys: "Ctrl+Enter", description: "Run (also from the input box)", action: { kind: "click", button: "Run" }, inFields: true },
  {
    keys: "/",
    description: "Search: threads, assistants or store items",
    action: { kind: "focus", labels: ["Metadata filter", "Search assistants", "Filter items"] },
  },
  { keys: "1", description: "State tab", action: { kind: "tab", tab: "state" } },
  { keys: "2", description: "History tab", action: { kind: "tab", tab: "history" } },
  { keys: "3", description: "Runs tab", action: { kind: "tab", tab: "runs" } },
  { keys: "4", description: "Graph tab", action: { kind: "tab", tab: "graph" } },
  { keys: "t", description: "Threads page", action: { kind: "page", page: "threads" } },
  { keys: "a", description: "Assistants page", action: { kind: "page", page: "assistants" } },
  { keys: "m", description: "Memory (store) page", action: { kind: "page", page: "memory" } },
];

/** The shortcut a key event means, if any. */
export function matchShortcut(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">, inField: boolean): Shortcut | undefined {
  const mod = e.ctrlKey || e.metaKey;
  const keys = mod && e.key === "Enter" ? "Ctrl+Enter" : mod || e.altKey ? null : e.key;
  if (!keys) return undefined;
  return SHORTCUTS.find((s) => s.keys === keys && (!inField || s.inFields));
}
