// The page, selected thread and tab live in the URL hash (#/threads/<id>/<tab>,
// #/assistants/<id>), so a renderer reload restores the same view and works
// under file:// too.
import { useCallback, useSyncExternalStore } from "react";

export type ThreadTab = "state" | "history" | "runs" | "graph";
export type Page = "threads" | "assistants";

export interface Route {
  page: Page;
  threadId: string | null;
  tab: ThreadTab;
  /** The assistant open on the Assistants page. */
  assistantId: string | null;
}

const TABS: ThreadTab[] = ["state", "history", "runs", "graph"];

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "assistants") {
    return { page: "assistants", threadId: null, tab: "state", assistantId: parts[1] ? decodeURIComponent(parts[1]) : null };
  }
  if (parts[0] === "threads" && parts[1]) {
    const tab = TABS.includes(parts[2] as ThreadTab) ? (parts[2] as ThreadTab) : "state";
    return { page: "threads", threadId: decodeURIComponent(parts[1]), tab, assistantId: null };
  }
  return { page: "threads", threadId: null, tab: "state", assistantId: null };
}

export function formatHash(r: Route): string {
  if (r.page === "assistants") return r.assistantId ? `#/assistants/${encodeURIComponent(r.assistantId)}` : "#/assistants";
  return r.threadId ? `#/threads/${encodeURIComponent(r.threadId)}/${r.tab}` : "#/";
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
    window.location.hash = formatHash({ ...cur, ...next, page });
  }, []);
  return [route, navigate];
}
