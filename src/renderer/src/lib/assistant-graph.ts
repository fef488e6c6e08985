// The assistant's graph drawing (GET /assistants/<id>/graph?xray), shared by
// the graph view and the breakpoint list under one query key.
import { useQuery } from "@tanstack/react-query";
import { useServerClient } from "../host/host-context.tsx";
import { serverKeys } from "./query-keys.ts";

export interface RawGraph {
  nodes: Array<{ id: string | number; name?: string; data?: unknown }>;
  edges: Array<{ source: string; target: string; conditional?: boolean; data?: string }>;
}

export function useAssistantGraph(assistantId: string) {
  const { client, bootId } = useServerClient();
  return useQuery({
    queryKey: serverKeys(bootId).graph(assistantId),
    queryFn: () => client!.assistants.getGraph(assistantId, { xray: true }) as Promise<RawGraph>,
    enabled: !!client && !!assistantId,
    staleTime: Infinity,
  });
}
