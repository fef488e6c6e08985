// Provides the HostApi (Electron preload or browser-shell HTTP) and the live
// server status + log, fed by host events into the react-query cache.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Client } from "@langchain/langgraph-sdk";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import type { DurabilityPhase, GraphReload, HostApi, LogLine, ServerStatus } from "../../../shared/host-api.ts";
import { hostKeys } from "../lib/query-keys.ts";
import { createWebHost, studioToken } from "./web-host.ts";

const HostContext = createContext<HostApi | null>(null);

export function resolveHost(): HostApi {
  return window.skeino ?? createWebHost(studioToken());
}

export interface DurabilityProgress {
  phase: DurabilityPhase;
  done: number;
  total: number;
  message: string;
}

interface LiveState {
  logs: LogLine[];
  progress: DurabilityProgress | null;
  /** The last graph reload of `skeino dev` (or its failure), with when it arrived. */
  reload: (GraphReload & { receivedAt: number }) | null;
}

const LiveContext = createContext<LiveState>({ logs: [], progress: null, reload: null });
const LOG_LIMIT = 1000;

export function HostProvider({ host, children }: { host: HostApi; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [live, setLive] = useState<LiveState>({ logs: [], progress: null, reload: null });

  useEffect(() => {
    let cancelled = false;
    const unsubscribe = host.onServerEvent((event) => {
      if (event.type === "status") {
        queryClient.setQueryData(hostKeys.status(), event.status);
      } else if (event.type === "log") {
        setLive((s) => ({ ...s, logs: [...s.logs.slice(-(LOG_LIMIT - 1)), event.line] }));
      } else if (event.type === "reload") {
        // New graph code: the drawn graph, its schemas and the assistants are stale (all keyed under "assistants").
        if (!event.error) void queryClient.invalidateQueries({ predicate: (q) => q.queryKey.includes("assistants") });
        const { type: _type, ...reload } = event;
        setLive((s) => ({ ...s, reload: { ...reload, receivedAt: Date.now() } }));
      } else {
        setLive((s) => ({ ...s, progress: event }));
      }
    });
    void host.getLogs().then((lines) => {
      if (cancelled) return;
      setLive((s) => {
        const seen = new Set(s.logs.map((l) => l.seq));
        return { ...s, logs: [...lines.filter((l) => !seen.has(l.seq)), ...s.logs].slice(-LOG_LIMIT) };
      });
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [host, queryClient]);

  return (
    <HostContext.Provider value={host}>
      <LiveContext.Provider value={live}>{children}</LiveContext.Provider>
    </HostContext.Provider>
  );
}

export function useHost(): HostApi {
  const host = useContext(HostContext);
  if (!host) throw new Error("useHost outside HostProvider");
  return host;
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}

export function useServerStatus(): ServerStatus | undefined {
  const host = useHost();
  return useQuery({ queryKey: hostKeys.status(), queryFn: () => host.getServerStatus(), staleTime: Infinity }).data;
}

/** The SDK client for the running server; null until the server is ready. */
export function useServerClient(): { client: Client | null; bootId: string; status: ServerStatus | undefined } {
  const status = useServerStatus();
  const url = status?.state === "ready" ? status.url : null;
  // A project with custom auth: the Studio's credential (or the token from Settings) on every request.
  const headers = JSON.stringify(status?.serverHeaders ?? {});
  const client = useMemo(
    () => (url ? new Client({ apiUrl: url, defaultHeaders: JSON.parse(headers) as Record<string, string> }) : null),
    [url, headers],
  );
  return { client, bootId: status?.bootId ?? "none", status };
}
