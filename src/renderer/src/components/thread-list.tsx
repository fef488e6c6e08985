// Threads, newest first, paged on the server (limit/offset + count), so the
// list stays fast at 10,000 threads. Filters by status and metadata.
import type { Metadata, ThreadStatus } from "@langchain/langgraph-sdk";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage, tailId, timeAgo } from "../lib/format.ts";
import { parseMetadataFilter } from "../lib/metadata-filter.ts";
import { serverKeys, type ThreadFilters } from "../lib/query-keys.ts";
import { useRoute } from "../lib/route.ts";

const PAGE_SIZE = 50;
const STATUSES: ThreadStatus[] = ["idle", "busy", "interrupted", "error"];

export function ThreadList({ graphId }: { graphId: string }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [route, navigate] = useRoute();
  const [status, setStatus] = useState("");
  const [metadataText, setMetadataText] = useState("");
  const [page, setPage] = useState(0);

  let metadata: Metadata | undefined;
  let filterError: string | null = null;
  try {
    metadata = parseMetadataFilter(metadataText);
  } catch (err) {
    filterError = `Metadata filter: ${errorMessage(err)}`;
  }
  const filters: ThreadFilters = { status, metadata: filterError ? "" : metadataText.trim(), page };
  const query = {
    status: (status || undefined) as ThreadStatus | undefined,
    metadata: filterError ? undefined : metadata,
  };

  const threads = useQuery({
    queryKey: keys.threads.list(filters),
    queryFn: ({ signal }) =>
      client!.threads.search({ ...query, limit: PAGE_SIZE, offset: page * PAGE_SIZE, sortBy: "updated_at", sortOrder: "desc", signal }),
    enabled: !!client,
    placeholderData: keepPreviousData,
  });
  const count = useQuery({
    queryKey: keys.threads.count({ status: filters.status, metadata: filters.metadata }),
    queryFn: ({ signal }) => client!.threads.count({ ...query, signal }),
    enabled: !!client,
  });

  const create = useMutation({
    // The SDK writes metadata.graph_id from `graphId` (and overwrites one passed in metadata).
    mutationFn: () => client!.threads.create({ graphId: graphId || undefined }),
    onSuccess: async (thread) => {
      await queryClient.invalidateQueries({ queryKey: keys.threads.lists() });
      navigate({ threadId: thread.thread_id, tab: "state" });
    },
  });

  const total = count.data ?? 0;
  const from = total === 0 ? 0 : page * PAGE_SIZE + 1;
  const to = Math.min(total, (page + 1) * PAGE_SIZE);

  return (
    <aside className="sidebar" aria-label="Threads">
      <div className="sidebar-head">
        <h2>Threads</h2>
        <button type="button" className="btn primary small" disabled={!client || create.isPending} onClick={() => create.mutate()}>
          New thread
        </button>
      </div>
      <div className="filters">
        <select
          aria-label="Status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setPage(0);
          }}
        >
          <option value="">any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input
          aria-label="Metadata filter"
          placeholder='graph_id=review or {"k":"v"}'
          value={metadataText}
          onChange={(e) => {
            setMetadataText(e.target.value);
            setPage(0);
          }}
        />
      </div>
      {filterError && (
        <p className="error-text small" role="alert">
          {filterError}
        </p>
      )}
      {create.error && (
        <p className="error-text small" role="alert">
          {errorMessage(create.error)}
        </p>
      )}
      {threads.error && (
        <p className="error-text small" role="alert">
          {errorMessage(threads.error)}
        </p>
      )}
      <ul className="thread-list" aria-label="Thread list">
        {(threads.data ?? []).map((t) => {
          const selected = t.thread_id === route.threadId;
          return (
            <li key={t.thread_id}>
              <button
                type="button"
                className={`thread-row${selected ? " selected" : ""}`}
                aria-current={selected ? "true" : undefined}
                aria-label={`Thread ${t.thread_id}`}
                onClick={() => navigate({ threadId: t.thread_id })}
              >
                <span className="row1">
                  <span className={`badge status-${t.status}`}>{t.status}</span>
                  <code className="tid">{tailId(t.thread_id)}</code>
                  <span className="ago">{timeAgo(t.updated_at)}</span>
                </span>
                <span className="row2 muted">
                  {String(t.metadata?.graph_id ?? "—")}
                  {t.metadata?.owner !== undefined && (
                    <span className="meta-chip owner-chip" aria-label="Owner">
                      owner: {typeof t.metadata.owner === "string" ? t.metadata.owner : JSON.stringify(t.metadata.owner)}
                    </span>
                  )}
                  {Object.entries(t.metadata ?? {})
                    .filter(([k]) => !["graph_id", "assistant_id", "thread_id", "owner"].includes(k))
                    .slice(0, 2)
                    .map(([k, v]) => (
                      <span key={k} className="meta-chip">
                        {k}={typeof v === "string" ? v : JSON.stringify(v)}
                      </span>
                    ))}
                </span>
              </button>
            </li>
          );
        })}
        {threads.data?.length === 0 && <li className="muted empty-list">No threads{status || metadataText ? " match" : " yet"}.</li>}
      </ul>
      <div className="pager">
        <span className="muted">
          {from}–{to} of {total}
        </span>
        <button type="button" className="btn small" aria-label="Previous page" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          ‹
        </button>
        <button type="button" className="btn small" aria-label="Next page" disabled={to >= total} onClick={() => setPage((p) => p + 1)}>
          ›
        </button>
      </div>
    </aside>
  );
}
