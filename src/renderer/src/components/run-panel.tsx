// Run the graph on this thread with JSON input (or resume its interrupt) and
// watch it live through the streaming protocol: values, updates (with
// subgraph namespaces), custom events and tool calls in the run log, and the
// reply as it is written, token by token. Cancel goes through the classic
// API. When the run ends, the thread's queries refresh.
import type { Interrupt } from "@langchain/langgraph-sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { compactJson, errorMessage, parseJsonField } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { runThroughProtocol, type LiveReply, type StreamLine } from "../lib/protocol-run.ts";

const DEFAULT_INPUT: Record<string, string> = {
  review: '{ "topic": "durable agents" }',
  counter: '{ "by": 1 }',
  chat: '{ "messages": [{ "role": "user", "content": "what time is it?" }] }',
};

export function RunPanel({
  threadId,
  assistantId,
  graphId,
  interrupts,
}: {
  threadId: string;
  assistantId: string;
  graphId: string;
  interrupts: Interrupt[];
}) {
  const { client, bootId, status } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [input, setInput] = useState(DEFAULT_INPUT[graphId] ?? "{}");
  const [resume, setResume] = useState('{ "approved": true }');
  const [lines, setLines] = useState<StreamLine[]>([]);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [reply, setReply] = useState<LiveReply | null>(null);
  const abort = useRef<AbortController | null>(null);
  const runId = useRef<string | null>(null);

  async function start(kind: "run" | "resume") {
    if (!client) return;
    setError(null);
    setOutcome(null);
    let payload: unknown;
    try {
      payload = kind === "run" ? parseJsonField(input, "Input") : parseJsonField(resume, "Resume value");
    } catch (err) {
      setError(errorMessage(err));
      return;
    }
    setLines([]);
    setReply(null);
    setRunning(true);
    const ctrl = new AbortController();
    abort.current = ctrl;
    try {
      const end = await runThroughProtocol({
        client,
        threadId,
        assistantId,
        request: kind === "run" ? { kind, input: payload } : { kind, value: payload },
        signal: ctrl.signal,
        clientHasHeaders: Object.keys(status?.serverHeaders ?? {}).length > 0,
        onStarted: (id) => {
          runId.current = id ?? null;
          // The run exists now: the list shows the thread as busy without waiting for the end.
          void queryClient.invalidateQueries({ queryKey: keys.threads.lists() });
        },
        onLine: (line) => setLines((ls) => [...ls.slice(-499), line]),
        onReply: setReply,
      });
      if (end.kind === "failed") setError(end.error);
      else setOutcome(end.kind === "interrupted" ? "Run paused at an interrupt: answer it below." : end.kind === "cancelled" ? "Run cancelled." : "Run finished.");
    } catch (err) {
      if (ctrl.signal.aborted) setOutcome("Run cancelled.");
      else setError(errorMessage(err));
    } finally {
      setRunning(false);
      abort.current = null;
      runId.current = null;
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.threads.detail(threadId) }),
        queryClient.invalidateQueries({ queryKey: keys.threads.lists() }),
      ]);
    }
  }

  return (
    <section className="run-panel" aria-label="Run">
      <div className="panel-head">
        <h3>Run</h3>
        <span className="muted small">
          assistant <code>{graphId || assistantId}</code>
        </span>
      </div>
      <label className="field">
        <span>Input (JSON)</span>
        <textarea
          aria-label="Input (JSON)"
          spellCheck={false}
          rows={4}
          placeholder="empty: continue from the current checkpoint"
          value={input}
          onChange={(e) => setInput(e.target.value)}
        />
      </label>
      <div className="row">
        <button type="button" className="btn primary" disabled={!client || running} onClick={() => void start("run")}>
          Run
        </button>
        {running && (
          <button
            type="button"
            className="btn danger"
            onClick={() => {
              const id = runId.current;
              // Cancel on the server first; dropping the stream alone may leave the run going.
              const cancel = id && client ? client.runs.cancel(threadId, id).catch((err: unknown) => setError(errorMessage(err))) : Promise.resolve();
              void cancel.finally(() => abort.current?.abort());
            }}
          >
            Cancel run
          </button>
        )}
        {running && <span className="spinner" aria-label="Streaming" />}
      </div>
      {interrupts.length > 0 && (
        <div className="interrupt-card" role="group" aria-label="Interrupt">
          <div className="interrupt-title">Paused: waiting for input</div>
          {interrupts.map((it, i) => (
            <pre key={it.id ?? i} className="code small">
              {JSON.stringify(it.value, null, 2)}
            </pre>
          ))}
          <label className="field">
            <span>Resume value (JSON)</span>
            <textarea aria-label="Resume value (JSON)" spellCheck={false} rows={2} value={resume} onChange={(e) => setResume(e.target.value)} />
          </label>
          <button type="button" className="btn primary" disabled={!client || running} onClick={() => void start("resume")}>
            Resume
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {outcome && (
        <p role="status" className="ok-text">
          {outcome}
        </p>
      )}
      {reply && (reply.texts.some((t) => t.text) || reply.tools.length > 0) && (
        <div className="live-reply" role="region" aria-label="Live reply">
          {reply.tools.map((t) => (
            <div key={t.id} className={`tool-call tool-${t.status}`}>
              <span className="tool-name">{t.name}</span>
              <code>{compactJson(t.input ?? {}, 200)}</code>
              {t.status !== "running" && <span className="tool-output">→ {compactJson(t.output, 200)}</span>}
            </div>
          ))}
          {reply.texts
            .filter((t) => t.text)
            .map((t) => (
              <div key={t.id} className="msg-text">
                {t.text}
              </div>
            ))}
        </div>
      )}
      <div className="stream" role="log" aria-label="Run stream">
        {lines.length === 0 && <div className="muted small">Events appear here while a run streams.</div>}
        {lines.map((l) => (
          <div key={l.n} className="stream-line">
            <span className={`ev ev-${l.event.split("|")[0]}`}>{l.event.replace(/\|.*$/, "")}</span>
            {l.event.includes("|") && <span className="ns">{l.event.split("|").slice(1).join("|").replace(/:[0-9a-f-]{36}/g, "")}</span>}
            <code>{compactJson(l.data, 400)}</code>
          </div>
        ))}
      </div>
    </section>
  );
}
