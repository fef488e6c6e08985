// The page, selected thread and tab live in the URL hash (#/threads/<id>/<tab>[/<checkpoint>],
// #/assistants/<id>, #/memory/<namespace>/<parts>, #/crons), so a renderer reload restores the same
// view and works under file:// too.
import { useCallback, useSyncExternalStore } from "react";

export type ThreadTab = "state" | "history" | "runs" | "graph";
export type Page = "threads" | "assistants" | "memory" | "crons";

export interface Route {
  page: Page;
  threadId: string | null;
  tab: ThreadTab;
  /** The assistant open on the Assistants page. */
  assistantId: string | null;
  /** The store namespace open on the Memory page ([] = all). */
  namespace: string[];
  /** The checkpoint picked in the History tab. */
  checkpointId: string | null;
}

const TABS: ThreadTab[] = ["state", "history", "runs", "graph"];

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const none = { threadId: null, tab: "state" as const, assistantId: null, namespace: [], checkpointId: null };
  if (parts[0] === "assistants") {
    return { ...none, page: "assistants", assistantId: parts[1] ? decodeURIComponent(parts[1]) : null };
  }
  if (parts[0] === "memory") return { ...none, page: "memory", namespace: parts.slice(1).map(decodeURIComponent) };
  if (parts[0] === "threads" && parts[1]) {
    const tab = TABS.includes(parts[2] as ThreadTab) ? (parts[2] as ThreadTab) : "state";
    const checkpointId = tab === "history" && parts[3] ? decodeURIComponent(parts[3]) : null;
    return { ...none, page: "threads", threadId: decodeURIComponent(parts[1]), tab, checkpointId };
  }
  if (parts[0] === "crons") return { ...none, page: "crons" };
  return { ...none, page: "threads" };
}

export function formatHash(r: Route): string {
  if (r.page === "crons") return "#/crons";
  if (r.page === "memory") return ["#/memory", ...r.namespace.map(encodeURIComponent)].join("/");
  if (r.page === "assistants") return r.assistantId ? `#/assistants/${encodeURIComponent(r.assistantId)}` : "#/assistants";
  if (!r.threadId) return "#/";
  const checkpoint = r.tab === "history" && r.checkpointId ? `/${encodeURIComponent(r.checkpointId)}` : "";
  return `#/threads/${encodeURIComponent(r.threadId)}/${r.tab}${checkpoint}`;
}

function subscribe(cb: () => void): () => void {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
}

export function useRoute(): [Route, (r: Partial<Route>) => void] {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  const route = parseHash(hash);
  const navigate = useCallback((next: Partial<Route>) => {
    const cur = parseHash(window.location.hash);
    // Picking a thread (or leaving one) always means the threads page.
    const page = next.page ?? ("threadId" in next ? "threads" : cur.page);
    // Another thread or tab: the picked checkpoint belonged to the old one.
    const checkpointId = "checkpointId" in next ? next.checkpointId : "threadId" in next || "tab" in next ? null : cur.checkpointId;
    window.location.hash = formatHash({ ...cur, ...next, page, checkpointId: checkpointId ?? null });
  }, []);
  return [route, navigate];
}
