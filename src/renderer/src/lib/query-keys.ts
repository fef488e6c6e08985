// Query-key factories. Server keys start with the server's boot id, so a
// restart (new process, maybe new port) never serves a stale cache entry;
// mutations invalidate exactly the keys they changed.
export const hostKeys = {
  all: ["host"] as const,
  status: () => [...hostKeys.all, "status"] as const,
  settings: () => [...hostKeys.all, "settings"] as const,
  recentProjects: () => [...hostKeys.all, "recent-projects"] as const,
};

export interface ThreadFilters {
  status: string;
  metadata: string;
  page: number;
}

export interface AssistantFilters {
  name: string;
  graphId: string;
  page: number;
}

export interface StoreFilters {
  filter: string;
  query: string;
  page: number;
}

export function serverKeys(bootId: string) {
  const root = ["server", bootId] as const;
  const threads = [...root, "threads"] as const;
  return {
    root,
    assistants: () => [...root, "assistants"] as const,
    graph: (assistantId: string) => [...root, "assistants", assistantId, "graph"] as const,
    namespaces: () => [...root, "store", "namespaces"] as const,
    storeItems: (namespace: string[], f: StoreFilters) => [...root, "store", "items", namespace, f] as const,
    store: () => [...root, "store"] as const,
    assistantList: (f: AssistantFilters) => [...root, "assistants", "list", f] as const,
    assistant: (assistantId: string) => [...root, "assistants", assistantId, "detail"] as const,
    schemas: (assistantId: string) => [...root, "assistants", assistantId, "schemas"] as const,
    versions: (assistantId: string, page: number) => [...root, "assistants", assistantId, "versions", page] as const,
    threads: {
      all: () => threads,
      lists: () => [...threads, "list"] as const,
      list: (f: ThreadFilters) => [...threads, "list", f] as const,
      count: (f: Omit<ThreadFilters, "page">) => [...threads, "list", "count", f] as const,
      detail: (id: string) => [...threads, "detail", id] as const,
      state: (id: string) => [...threads, "detail", id, "state"] as const,
      history: (id: string) => [...threads, "detail", id, "history"] as const,
      runs: (id: string) => [...threads, "detail", id, "runs"] as const,
      ttl: (id: string) => [...threads, "detail", id, "ttl"] as const,
    },
    crons: {
      all: () => [...root, "crons"] as const,
      list: () => [...root, "crons", "list"] as const,
      firings: (cronId: string) => [...root, "crons", "firings", cronId] as const,
      preview: (schedule: string, timezone: string) => [...root, "crons", "preview", schedule, timezone] as const,
    },
  };
}

export type ServerKeys = ReturnType<typeof serverKeys>;
