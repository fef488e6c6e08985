// The selected thread and tab live in the URL hash (#/threads/<id>/<tab>, or
// #/crons for the Crons page), so a renderer reload restores the same view
// and works under file:// too.
import { useCallback, useSyncExternalStore } from "react";

export type ThreadTab = "state" | "history" | "runs" | "graph";

export interface Route {
  threadId: string | null;
  tab: ThreadTab;
  /** The Crons page instead of a thread. */
  crons?: boolean;
}

const TABS: ThreadTab[] = ["state", "history", "runs", "graph"];

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "threads" && parts[1]) {
    const tab = TABS.includes(parts[2] as ThreadTab) ? (parts[2] as ThreadTab) : "state";
    return { threadId: decodeURIComponent(parts[1]), tab };
  }
  return parts[0] === "crons" ? { threadId: null, tab: "state", crons: true } : { threadId: null, tab: "state" };
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
    const merged = { ...cur, crons: false, ...next };
    window.location.hash = merged.threadId ? `#/threads/${encodeURIComponent(merged.threadId)}/${merged.tab}` : merged.crons ? "#/crons" : "#/";
  }, []);
  return [route, navigate];
}
