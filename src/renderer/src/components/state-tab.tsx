// The thread's current state: checkpoint id, next nodes, tasks and their
// interrupts, and the values as a collapsible tree; "Edit state" writes a new
// checkpoint through POST /threads/<id>/state.
import type { ThreadState } from "@langchain/langgraph-sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage, parseJsonField } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { JsonTree } from "./json-tree.tsx";
import { asConversation, MessagesView } from "./messages-view.tsx";

export function CheckpointFacts({ state }: { state: ThreadState }) {
  const interrupts = state.tasks.flatMap((t) => t.interrupts ?? []);
  return (
    <dl className="facts">
      <dt>Checkpoint</dt>
      <dd>
        <code aria-label="Checkpoint ID">{state.checkpoint?.checkpoint_id ?? "—"}</code>
      </dd>
      <dt>Next</dt>
      <dd aria-label="Next nodes">
        {state.next.length === 0 ? (
          <span className="muted">— (done)</span>
        ) : (
          state.next.map((n) => (
            <span key={n} className="chip next">
              {n}
            </span>
          ))
        )}
      </dd>
      <dt>Tasks</dt>
      <dd>
        {state.tasks.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          state.tasks.map((t) => (
            <span key={t.id} className="chip" title={t.error ?? undefined}>
              {t.name}
              {t.error ? " ⚠" : ""}
              {t.interrupts?.length ? ` · ${t.interrupts.length} interrupt${t.interrupts.length > 1 ? "s" : ""}` : ""}
            </span>
          ))
        )}
      </dd>
      <dt>Interrupts</dt>
      <dd>
        {interrupts.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <JsonTree label="Interrupts" value={interrupts.map((i) => i.value)} openDepth={1} />
        )}
      </dd>
      {state.created_at && (
        <>
          <dt>Created</dt>
          <dd className="muted">{new Date(state.created_at).toLocaleString()}</dd>
        </>
      )}
    </dl>
  );
}

export function StateTab({
  threadId,
  state,
  loading,
  error,
}: {
  threadId: string;
  state: ThreadState | undefined;
  loading: boolean;
  error: unknown;
}) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState("");
  const [asNode, setAsNode] = useState("");

  const save = useMutation({
    mutationFn: async () => {
      const values = parseJsonField(text, "State values") as Record<string, unknown>;
      return client!.threads.updateState(threadId, { values, asNode: asNode.trim() || undefined });
    },
    onSuccess: async () => {
      setEditing(false);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.threads.detail(threadId) }),
        queryClient.invalidateQueries({ queryKey: keys.threads.lists() }),
      ]);
    },
  });

  if (loading) return <p className="muted">Loading state…</p>;
  if (error)
    return (
      <p role="alert" className="error-text">
        {errorMessage(error)}
      </p>
    );
  if (!state) return null;
  const conversation = asConversation((state.values as Record<string, unknown> | null)?.messages);
  return (
    <div className="state-tab">
      <CheckpointFacts state={state} />
      {conversation && (
        <>
          <div className="section-head">
            <h3>Messages</h3>
            <span className="muted small">{conversation.length}</span>
          </div>
          <MessagesView messages={conversation} />
        </>
      )}
      <div className="section-head">
        <h3>Values</h3>
        {!editing && (
          <button
            type="button"
            className="btn small"
            onClick={() => {
              setText(JSON.stringify(state.values ?? {}, null, 2));
              setEditing(true);
            }}
          >
            Edit state
          </button>
        )}
      </div>
      {editing ? (
        <div className="editor">
          <label className="field">
            <span>State values (JSON)</span>
            <textarea aria-label="State values (JSON)" rows={12} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <label className="field inline">
            <span>As node</span>
            <input aria-label="As node" placeholder="(optional)" value={asNode} onChange={(e) => setAsNode(e.target.value)} />
          </label>
          <p className="muted small">Values go through the graph's reducers, as if the node had returned them; a new checkpoint is written.</p>
          <div className="row">
            <button type="button" className="btn primary" disabled={save.isPending} onClick={() => save.mutate()}>
              Save state
            </button>
            <button type="button" className="btn" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
          {save.error && (
            <p role="alert" className="error-text">
              {errorMessage(save.error)}
            </p>
          )}
        </div>
      ) : (
        <JsonTree label="State values" value={state.values} />
      )}
    </div>
  );
}
