// The Crons page: scheduled runs of the server (client.crons). Create with a
// preview of the next five due times, pause / resume, edit the schedule,
// delete, and each cron's last firings with the runs they started.
import type { Assistant, Cron } from "@langchain/langgraph-sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { fetchFirings, previewSchedule } from "../lib/extensions-api.ts";
import { errorMessage, parseJsonField, tailId, timeAgo } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { useRoute } from "../lib/route.ts";

// Firings land while the page is open: poll rather than make the user reload.
const REFRESH_MS = 2000;

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");

/** A value that settles `ms` after the last change (preview requests while typing). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function CronsPage({ assistants }: { assistants: Assistant[] }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const crons = useQuery({
    queryKey: keys.crons.list(),
    queryFn: ({ signal }) => client!.crons.search({ limit: 100, sortBy: "created_at", sortOrder: "desc", signal }),
    enabled: !!client,
    refetchInterval: REFRESH_MS,
  });
  // A firing moves its cron's next run date and may add a thread: the thread list follows.
  const nextDates = (crons.data ?? []).map((c) => c.next_run_date).join();
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: serverKeys(bootId).threads.lists() });
  }, [nextDates, bootId, queryClient]);
  const graphOf = (assistantId: string) => assistants.find((a) => a.assistant_id === assistantId)?.graph_id ?? tailId(assistantId);
  return (
    <div className="crons-page">
      <div className="welcome-head">
        <h1>Crons</h1>
        <p className="muted">Runs on a schedule. Each firing is an ordinary run; a firing that cannot start is listed with its reason.</p>
      </div>
      <CreateCron assistants={assistants} />
      {crons.error && (
        <p role="alert" className="error-text">
          {errorMessage(crons.error)}
        </p>
      )}
      {crons.data && crons.data.length === 0 && <p className="muted">No crons yet.</p>}
      {crons.data && crons.data.length > 0 && (
        <table className="grid" aria-label="Crons">
          <thead>
            <tr>
              <th>Schedule</th>
              <th>Graph</th>
              <th>Thread</th>
              <th>Next run</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {crons.data.map((cron) => (
              <CronRow key={cron.cron_id} cron={cron} graph={graphOf(cron.assistant_id)} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function CreateCron({ assistants }: { assistants: Assistant[] }) {
  const { client, bootId, status } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [assistantId, setAssistantId] = useState("");
  const [schedule, setSchedule] = useState("*/5 * * * *");
  const [timezone, setTimezone] = useState("");
  const [threadId, setThreadId] = useState("");
  const [keepThreads, setKeepThreads] = useState(true);
  const [input, setInput] = useState("{}");
  const chosen = assistantId || assistants[0]?.assistant_id || "";

  const settled = useSettled({ schedule: schedule.trim(), timezone: timezone.trim() }, 250);
  const preview = useQuery({
    queryKey: keys.crons.preview(settled.schedule, settled.timezone),
    queryFn: ({ signal }) => previewSchedule(status!.url!, settled.schedule, settled.timezone, signal),
    enabled: !!status?.url && settled.schedule !== "",
    retry: false,
  });

  const create = useMutation({
    mutationFn: async () => {
      const payload = {
        schedule: schedule.trim(),
        timezone: timezone.trim() || undefined,
        input: (parseJsonField(input, "Input") ?? undefined) as Record<string, unknown> | undefined,
        multitaskStrategy: "enqueue" as const,
      };
      if (threadId.trim()) return client!.crons.createForThread(threadId.trim(), chosen, payload);
      return client!.crons.create(chosen, { ...payload, onRunCompleted: keepThreads ? "keep" : "delete" });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.crons.list() }),
  });

  return (
    <form
      className="cron-form"
      aria-label="New cron"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <div className="cron-fields">
        <label className="field">
          <span>Assistant</span>
          <select aria-label="Cron assistant" value={chosen} onChange={(e) => setAssistantId(e.target.value)}>
            {assistants.map((a) => (
              <option key={a.assistant_id} value={a.assistant_id}>
                {a.graph_id}
                {a.name && a.name !== a.graph_id ? ` (${a.name})` : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Schedule (cron; a leading 6th field is seconds)</span>
          <input aria-label="Schedule" value={schedule} onChange={(e) => setSchedule(e.target.value)} spellCheck={false} />
        </label>
        <label className="field">
          <span>Timezone (IANA, default UTC)</span>
          <input aria-label="Timezone" value={timezone} placeholder="UTC" onChange={(e) => setTimezone(e.target.value)} spellCheck={false} />
        </label>
        <label className="field">
          <span>Thread ID (empty: a new thread per run)</span>
          <input aria-label="Cron thread ID" value={threadId} onChange={(e) => setThreadId(e.target.value)} spellCheck={false} />
        </label>
        <label className="field">
          <span>Input (JSON)</span>
          <textarea aria-label="Cron input (JSON)" rows={2} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} />
        </label>
        {!threadId.trim() && (
          <label className="field inline">
            <input type="checkbox" checked={keepThreads} onChange={(e) => setKeepThreads(e.target.checked)} />
            <span>Keep each run's thread (to look at it afterwards)</span>
          </label>
        )}
      </div>
      <div className="cron-preview">
        <span className="muted">Next five runs</span>
        {preview.error ? (
          <p role="alert" className="error-text" aria-label="Schedule problem">
            {errorMessage(preview.error)}
          </p>
        ) : (
          <ol aria-label="Next runs">
            {(preview.data ?? []).map((d) => (
              <li key={d}>{when(d)}</li>
            ))}
          </ol>
        )}
      </div>
      <div className="row">
        <button type="submit" className="btn primary" disabled={!client || !chosen || create.isPending}>
          Create cron
        </button>
        {create.error && (
          <span role="alert" className="error-text">
            {errorMessage(create.error)}
          </span>
        )}
      </div>
    </form>
  );
}

function CronRow({ cron, graph }: { cron: Cron; graph: string }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const [schedule, setSchedule] = useState(cron.schedule);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.crons.list() });
  const toggle = useMutation({ mutationFn: () => client!.crons.update(cron.cron_id, { enabled: !cron.enabled }), onSuccess: invalidate });
  const save = useMutation({
    mutationFn: () => client!.crons.update(cron.cron_id, { schedule: schedule.trim() }),
    onSuccess: async () => {
      setEditing(false);
      await invalidate();
    },
  });
  const remove = useMutation({ mutationFn: () => client!.crons.delete(cron.cron_id), onSuccess: invalidate });
  const error = toggle.error ?? save.error ?? remove.error;
  return (
    <>
      <tr aria-label={`Cron ${cron.cron_id}`}>
        <td>
          {editing ? (
            <form
              className="row"
              onSubmit={(e) => {
                e.preventDefault();
                save.mutate();
              }}
            >
              <input aria-label="New schedule" value={schedule} onChange={(e) => setSchedule(e.target.value)} spellCheck={false} />
              <button type="submit" className="btn small primary">
                Save
              </button>
              <button type="button" className="btn small ghost" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <code>{cron.schedule}</code>
          )}
          {cron.timezone && <span className="muted"> {cron.timezone}</span>}
        </td>
        <td>{graph}</td>
        <td>{cron.thread_id ? <code title={cron.thread_id}>{tailId(cron.thread_id)}</code> : <span className="muted">new each run</span>}</td>
        <td title={cron.next_run_date ?? ""}>{cron.enabled ? when(cron.next_run_date) : "—"}</td>
        <td>
          <span className={`badge ${cron.enabled ? "run-success" : "run-interrupted"}`}>{cron.enabled ? "Active" : "Paused"}</span>
        </td>
        <td className="row">
          <button type="button" className="btn small" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {cron.enabled ? "Pause" : "Resume"}
          </button>
          <button type="button" className="btn small" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" className="btn small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            Firings
          </button>
          <button
            type="button"
            className="btn small danger"
            onClick={() => {
              if (window.confirm(`Delete the cron ${cron.schedule}?`)) remove.mutate();
            }}
          >
            Delete
          </button>
        </td>
      </tr>
      {error && (
        <tr>
          <td colSpan={6} role="alert" className="error-text">
            {errorMessage(error)}
          </td>
        </tr>
      )}
      {open && (
        <tr>
          <td colSpan={6}>
            <Firings cronId={cron.cron_id} />
          </td>
        </tr>
      )}
    </>
  );
}

function Firings({ cronId }: { cronId: string }) {
  const { bootId, status } = useServerClient();
  const keys = serverKeys(bootId);
  const [, navigate] = useRoute();
  const firings = useQuery({
    queryKey: keys.crons.firings(cronId),
    queryFn: ({ signal }) => fetchFirings(status!.url!, cronId, signal),
    enabled: !!status?.url,
    refetchInterval: REFRESH_MS,
  });
  if (firings.error)
    return (
      <p role="alert" className="error-text">
        {errorMessage(firings.error)}
      </p>
    );
  const list = firings.data ?? [];
  if (list.length === 0) return <p className="muted">{firings.isLoading ? "Loading firings…" : "Not fired yet."}</p>;
  return (
    <ul className="firings" aria-label="Firings">
      {list.map((f) => (
        <li key={f.due_at} aria-label={`Firing ${f.status}`}>
          <span className="muted" title={f.due_at}>
            {timeAgo(f.due_at)}
          </span>{" "}
          <span className={`badge ${f.status === "started" ? "run-success" : f.status === "failed" ? "run-error" : "run-pending"}`}>{f.status}</span>{" "}
          {f.run_id && f.thread_id && f.status === "started" && (
            <button type="button" className="btn small ghost" onClick={() => navigate({ threadId: f.thread_id, tab: "runs" })}>
              Run {tailId(f.run_id)}
            </button>
          )}
          {f.error && <span className="error-text"> {f.error}</span>}
        </li>
      ))}
    </ul>
  );
}
