// Checkpoints newest first; pick one to see its state and what changed from
// its parent, and fork from it (a new checkpoint branching off that one).
import type { ThreadState } from "@langchain/langgraph-sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { diffValues } from "../lib/diff.ts";
import { errorMessage, parseJsonField, shortId, timeAgo } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { useRoute } from "../lib/route.ts";
import { JsonTree } from "./json-tree.tsx";
import { CheckpointFacts } from "./state-tab.tsx";
import { DiffTable } from "./diff-table.tsx";

const PAGE = 50;

function cpId(s: ThreadState | undefined | null): string {
  return s?.checkpoint?.checkpoint_id ?? "";
}

export function HistoryTab({ threadId }: { threadId: string }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const [limit, setLimit] = useState(PAGE);
  // The picked checkpoint is in the URL, so a reload (or a shared link) opens it again.
  const [route, navigate] = useRoute();
  const selected = route.checkpointId;

  const history = useQuery({
    queryKey: [...keys.threads.history(threadId), limit],
    queryFn: ({ signal }) => client!.threads.getHistory(threadId, { limit, signal }),
    enabled: !!client,
  });
  const items = history.data ?? [];
  const current = items.find((s) => cpId(s) === selected) ?? items[0];

  if (history.isLoading) return <p className="muted">Loading history…</p>;
  if (history.error)
    return (
      <p role="alert" className="error-text">
        {errorMessage(history.error)}
      </p>
    );
  if (items.length === 0) return <p className="muted">No checkpoints yet: run the graph on this thread.</p>;

  return (
    <div className="history">
      <ol className="checkpoints" aria-label="Checkpoints">
        {items.map((s, i) => {
          const id = cpId(s);
          const isSel = current && cpId(current) === id;
          const meta = s.metadata ?? {};
          const writes = meta.writes && typeof meta.writes === "object" ? Object.keys(meta.writes as object) : [];
          return (
            <li key={id || i}>
              <button
                type="button"
                className={`cp-row${isSel ? " selected" : ""}`}
                aria-current={isSel ? "true" : undefined}
                aria-label={`Checkpoint ${id}`}
                onClick={() => navigate({ checkpointId: id })}
              >
                <span className="cp-step">#{String(meta.step ?? items.length - 1 - i)}</span>
                <span className="cp-main">
                  <span>
                    <span className="badge subtle">{String(meta.source ?? "?")}</span>{" "}
                    {writes.length > 0 ? writes.join(", ") : s.next.length ? `→ ${s.next.join(", ")}` : "end"}
                  </span>
                  <span className="muted small">
                    <code>{shortId(id, 13)}</code> · {timeAgo(s.created_at)}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
        {items.length >= limit && (
          <li>
            <button type="button" className="btn small wide" onClick={() => setLimit((l) => l + PAGE)}>
              Load older checkpoints
            </button>
          </li>
        )}
      </ol>
      {current && <CheckpointDetail threadId={threadId} state={current} loaded={items} />}
    </div>
  );
}

function CheckpointDetail({ threadId, state, loaded }: { threadId: string; state: ThreadState; loaded: ThreadState[] }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const parentId = state.parent_checkpoint?.checkpoint_id ?? null;
  const parentLoaded = loaded.find((s) => cpId(s) === parentId);
  const parent = useQuery({
    queryKey: [...keys.threads.history(threadId), "checkpoint", parentId],
    queryFn: () => client!.threads.getState(threadId, parentId!),
    enabled: !!client && !!parentId && !parentLoaded,
  });
  const parentState = parentLoaded ?? parent.data;
  const changes = parentId ? diffValues(parentState?.values, state.values) : diffValues({}, state.values);

  const [forking, setForking] = useState(false);
  const [forkText, setForkText] = useState("{}");
  const fork = useMutation({
    mutationFn: async () => {
      const values = parseJsonField(forkText, "Fork values") as Record<string, unknown>;
      return client!.threads.updateState(threadId, { values, checkpointId: cpId(state) });
    },
    onSuccess: async () => {
      setForking(false);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.threads.detail(threadId) }),
        queryClient.invalidateQueries({ queryKey: keys.threads.lists() }),
      ]);
    },
  });

  return (
    <div className="cp-detail" aria-label="Checkpoint detail" role="region">
      <div className="section-head">
        <h3>Checkpoint {shortId(cpId(state), 13)}</h3>
        <button type="button" className="btn small" onClick={() => setForking((f) => !f)}>
          Fork from checkpoint
        </button>
      </div>
      {forking && (
        <div className="editor">
          <label className="field">
            <span>Fork values (JSON)</span>
            <textarea aria-label="Fork values (JSON)" rows={4} spellCheck={false} value={forkText} onChange={(e) => setForkText(e.target.value)} />
          </label>
          <p className="muted small">Writes a new checkpoint whose parent is this one; the thread continues from the fork on the next Run.</p>
          <button type="button" className="btn primary" disabled={fork.isPending} onClick={() => fork.mutate()}>
            Create fork
          </button>
          {fork.error && (
            <p role="alert" className="error-text">
              {errorMessage(fork.error)}
            </p>
          )}
        </div>
      )}
      <CheckpointFacts state={state} />
      <h3>Changes from parent {parentId ? <code className="muted">{shortId(parentId, 13)}</code> : <span className="muted">(root)</span>}</h3>
      <DiffTable label="Changes from parent" changes={changes} empty="No value changes." />
      <h3>Values</h3>
      <JsonTree label="Checkpoint values" value={state.values} openDepth={1} />
    </div>
  );
}
