// Runs on this thread: status, timing, error, input (from the run's kwargs
// when the server returns them).
import type { Run } from "@langchain/langgraph-sdk";
import { useQuery } from "@tanstack/react-query";
import { useServerClient } from "../host/host-context.tsx";
import { compactJson, duration, errorMessage, tailId, timeAgo } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";

/** Fields the reference server sends that the SDK's Run type leaves out. */
type RunRecord = Run & {
  kwargs?: { input?: unknown; command?: unknown };
  error?: unknown;
};

export function RunsTab({ threadId }: { threadId: string }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const runs = useQuery({
    queryKey: keys.threads.runs(threadId),
    queryFn: ({ signal }) => client!.runs.list(threadId, { limit: 100, signal }) as Promise<RunRecord[]>,
    enabled: !!client,
  });
  if (runs.isLoading) return <p className="muted">Loading runs…</p>;
  if (runs.error)
    return (
      <p role="alert" className="error-text">
        {errorMessage(runs.error)}
      </p>
    );
  const list = runs.data ?? [];
  if (list.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table className="grid" aria-label="Runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Input</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {list.map((r) => {
          const ms = new Date(r.updated_at).getTime() - new Date(r.created_at).getTime();
          const input = r.kwargs?.command ? { command: r.kwargs.command } : r.kwargs?.input;
          const err = r.error ?? (r.metadata as Record<string, unknown> | undefined)?.error;
          return (
            <tr key={r.run_id}>
              <td>
                <code title={r.run_id}>{tailId(r.run_id)}</code>
              </td>
              <td>
                <span className={`badge run-${r.status}`}>{r.status}</span>
              </td>
              <td className="muted" title={r.created_at}>
                {timeAgo(r.created_at)}
              </td>
              <td>{r.status === "pending" || r.status === "running" ? "…" : duration(Math.max(0, ms))}</td>
              <td>
                <code className="clip">{input === undefined ? "—" : compactJson(input, 120)}</code>
              </td>
              <td className="error-text">{err ? compactJson(err, 160) : ""}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
