// One thread: header with Copy / Delete, tabs State / History / Runs / Graph,
// and the run panel beside them.
import type { Interrupt } from "@langchain/langgraph-sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage, timeAgo } from "../lib/format.ts";
import { fetchThreadExpiry } from "../lib/extensions-api.ts";
import type { LiveRun } from "../lib/live-run.ts";
import { pausePoints } from "../lib/breakpoints.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { type ThreadTab, useRoute } from "../lib/route.ts";
import { HistoryTab } from "./history-tab.tsx";
import { ReplayBar } from "./replay-bar.tsx";
import { RunPanel } from "./run-panel.tsx";
import { RunsTab } from "./runs-tab.tsx";
import { StateTab } from "./state-tab.tsx";

const GraphView = lazy(() => import("./graph-view.tsx").then((m) => ({ default: m.GraphView })));

const TABS: { id: ThreadTab; label: string }[] = [
  { id: "state", label: "State" },
  { id: "history", label: "History" },
  { id: "runs", label: "Runs" },
  { id: "graph", label: "Graph" },
];

export function ThreadView({
  threadId,
  graphId,
  assistantFor,
}: {
  threadId: string;
  /** The toolbar's graph: used when the thread's metadata names none. */
  graphId: string;
  assistantFor: (graphId: string) => string;
}) {
  const { client, bootId, status } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [route, navigate] = useRoute();
  // The last streamed run's position on the graph (running node, path taken).
  const [live, setLive] = useState<LiveRun | null>(null);
  const [replay, setReplay] = useState<LiveRun | null>(null);

  const thread = useQuery({
    queryKey: keys.threads.detail(threadId),
    queryFn: ({ signal }) => client!.threads.get(threadId, { signal }),
    enabled: !!client,
    retry: false,
  });
  const expiry = useQuery({
    queryKey: keys.threads.ttl(threadId),
    queryFn: ({ signal }) => fetchThreadExpiry(status!.url!, threadId, signal),
    enabled: !!status?.url && thread.isSuccess,
  });
  const state = useQuery({
    queryKey: keys.threads.state(threadId),
    // With its subgraphs' states: a run paused inside a subgraph shows and steps from the inner node.
    queryFn: ({ signal }) => client!.threads.getState(threadId, undefined, { signal, subgraphs: true }),
    enabled: !!client && thread.isSuccess,
  });

  const copy = useMutation({
    mutationFn: () => client!.threads.copy(threadId),
    onSuccess: async (copied) => {
      await queryClient.invalidateQueries({ queryKey: keys.threads.lists() });
      navigate({ threadId: copied.thread_id });
    },
  });
  const remove = useMutation({
    mutationFn: () => client!.threads.delete(threadId),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: keys.threads.detail(threadId) });
      await queryClient.invalidateQueries({ queryKey: keys.threads.lists() });
      navigate({ threadId: null });
    },
  });

  if (thread.error) {
    const missing = errorMessage(thread.error).startsWith("HTTP 404");
    return (
      <div className="empty">
        <h2>{missing ? "This thread is not on the server" : "Thread not available"}</h2>
        {missing ? (
          <>
            <p role="alert">
              {status?.scheme === "memory"
                ? "The server keeps threads in memory, so a restart loses them. Choose PostgreSQL in Settings to keep threads across restarts."
                : "It was deleted, or it belongs to another database."}
            </p>
            <p className="muted small">
              <code>{threadId}</code>
            </p>
          </>
        ) : (
          <p role="alert" className="error-text">
            {errorMessage(thread.error)}
          </p>
        )}
        <button type="button" className="btn" onClick={() => navigate({ threadId: null })}>
          Back to the graph
        </button>
      </div>
    );
  }

  const threadGraph = typeof thread.data?.metadata?.graph_id === "string" ? thread.data.metadata.graph_id : graphId;
  const assistantId = assistantFor(threadGraph);
  const interrupts: Interrupt[] = (state.data?.tasks ?? []).flatMap((t) => t.interrupts ?? []);
  const tab = route.tab;
  // Only an interrupted thread is paused; an errored one also has next nodes (the failed ones).
  const pausedAt = thread.data?.status === "interrupted" && state.data ? pausePoints(state.data) : [];

  return (
    <div className="thread-view">
      <div className="thread-head">
        <div className="thread-title">
          <span className={`badge status-${thread.data?.status ?? "idle"}`} aria-label="Thread status">
            {thread.data?.status ?? "…"}
          </span>
          <h2>
            <code aria-label="Thread ID">{threadId}</code>
          </h2>
          <span className="muted small">
            {threadGraph}
            {thread.data?.metadata?.owner !== undefined && (
              <>
                {" "}
                · owner <span aria-label="Thread owner">{String(thread.data.metadata.owner)}</span>
              </>
            )}{" "}
            · updated {timeAgo(thread.data?.updated_at)}
          </span>
          {expiry.data && (
            <span className="muted small" aria-label="Thread expiry" title={`ttl ${expiry.data.ttl_minutes} min after the last update`}>
              · {expiry.data.strategy === "keep_latest" ? "history pruned" : "expires"} {new Date(expiry.data.expires_at).toLocaleString()}
            </span>
          )}
        </div>
        <div className="row">
          <button type="button" className="btn" disabled={copy.isPending} onClick={() => copy.mutate()}>
            Copy thread
          </button>
          <button
            type="button"
            className="btn danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete thread ${threadId}? Its checkpoints and runs go too.`)) remove.mutate();
            }}
          >
            Delete thread
          </button>
        </div>
      </div>
      {(copy.error || remove.error) && (
        <p role="alert" className="error-text">
          {errorMessage(copy.error ?? remove.error)}
        </p>
      )}
      <div className="thread-body">
        <div className="thread-main">
          <div role="tablist" aria-label="Thread views" className="tabs">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                className={`tab${tab === t.id ? " active" : ""}`}
                onClick={() => navigate({ tab: t.id })}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
            {tab === "state" && <StateTab threadId={threadId} state={state.data} loading={state.isLoading} error={state.error} />}
            {tab === "history" && <HistoryTab threadId={threadId} />}
            {tab === "runs" && <RunsTab threadId={threadId} />}
            {tab === "graph" && (
              <Suspense fallback={<p className="muted loading">Loading graph…</p>}>
                <ReplayBar threadId={threadId} onFrame={setReplay} />
                <GraphView
                  assistantId={assistantId}
                  highlight={replay ? [] : state.data ? pausePoints(state.data) : []}
                  breakpointsFor={threadGraph}
                  live={replay ?? live}
                />
              </Suspense>
            )}
          </div>
        </div>
        <RunPanel threadId={threadId} assistantId={assistantId} graphId={threadGraph} interrupts={interrupts} next={pausedAt} onLive={setLive} />
      </div>
    </div>
  );
}
