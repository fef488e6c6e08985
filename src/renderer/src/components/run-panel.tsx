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
import { stepBreakpoints, useBreakpoints } from "../lib/breakpoints.ts";
import { applyStreamEvent, finishLive, type LiveRun, startLive } from "../lib/live-run.ts";
import { AssistantPicker } from "./assistant-picker.tsx";
import { BreakpointList, PausedCard, pauseReason } from "./breakpoints-panel.tsx";

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
  next = [],
  onLive,
}: {
  threadId: string;
  assistantId: string;
  graphId: string;
  interrupts: Interrupt[];
  /** The thread's next nodes: with no interrupt, the thread is paused at a breakpoint. */
  next?: string[];
  /** The run's live position, for the graph view. */
  onLive?: (live: LiveRun | null) => void;
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
  // The graph's default assistant unless the user picks another one of the graph.
  const [picked, setPicked] = useState<string | null>(null);
  const runAssistant = picked ?? assistantId;
  const [bp] = useBreakpoints(graphId);
  const [lastPause, setLastPause] = useState<{ lastNode: string | null; stepped: boolean }>({ lastNode: null, stepped: false });
  const abort = useRef<AbortController | null>(null);
  const runId = useRef<string | null>(null);

  async function start(kind: "run" | "resume" | "continue" | "step") {
    if (!client) return;
    setError(null);
    setOutcome(null);
    let payload: unknown;
    try {
      payload = kind === "run" ? parseJsonField(input, "Input") : kind === "resume" ? parseJsonField(resume, "Resume value") : null;
    } catch (err) {
      setError(errorMessage(err));
      return;
    }
    setLines([]);
    setReply(null);
    setRunning(true);
    const ctrl = new AbortController();
    abort.current = ctrl;
    let live = startLive(kind === "run" && payload !== null);
    onLive?.(live);
    // Step: run the next node and pause after whatever it is; otherwise the user's breakpoints.
    const breakpoints =
      kind === "step"
        ? { interruptAfter: stepBreakpoints(next) }
        : {
            ...(bp.before.length ? { interruptBefore: bp.before } : {}),
            ...(bp.after.length ? { interruptAfter: bp.after } : {}),
          };
    // Breakpoints and stepping need the classic run API (the protocol's run.start has no
    // interrupt_before/after); plain runs and resumes stream through the protocol, which
    // also gives the reply token by token and tool calls as they assemble.
    const viaProtocol = (kind === "run" || kind === "resume") && Object.keys(breakpoints).length === 0;
    try {
      if (viaProtocol) {
        const end = await runThroughProtocol({
          server: { url: status?.url ?? "", headers: status?.serverHeaders ?? {} },
          threadId,
          assistantId: runAssistant,
          request: kind === "run" ? { kind: "run", input: payload } : { kind: "resume", value: payload },
          signal: ctrl.signal,
          onStarted: (id) => {
            runId.current = id ?? null;
            // The run exists now: the list and the header show the thread as busy without waiting for the end.
            void queryClient.invalidateQueries({ queryKey: keys.threads.lists() });
            // Exact: the thread's status; its state and history change at the end.
            void queryClient.invalidateQueries({ queryKey: keys.threads.detail(threadId), exact: true });
          },
          onLine: (line) => setLines((ls) => [...ls.slice(-499), line]),
          onReply: setReply,
          onTask: (event, data) => {
            const moved = applyStreamEvent(live, event, data);
            if (moved !== live) onLive?.((live = moved));
          },
        });
        if (end.kind === "failed") setError(end.error);
        else
          setOutcome(
            end.kind === "interrupted"
              ? "Run paused at an interrupt: answer it below."
              : end.kind === "cancelled"
                ? "Run cancelled."
                : "Run finished.",
          );
        live = end.kind === "interrupted" ? { ...live, running: [] } : finishLive(live);
      } else {
        let n = 0;
        let sawInterrupt = false;
        let pausedAtBreakpoint = false;
        const stream = client.runs.stream(threadId, runAssistant, {
          ...(kind === "resume" ? { command: { resume: payload } } : { input: payload as Record<string, unknown> | null }),
          ...breakpoints,
          streamMode: ["values", "updates", "custom", "tasks"],
          streamSubgraphs: true,
          signal: ctrl.signal,
        });
        for await (const chunk of stream) {
          const { event, data } = chunk as { event: string; data: unknown };
          if (event === "error") throw new Error(compactJson(data, 1000));
          if (event.startsWith("updates") && data && typeof data === "object" && "__interrupt__" in data) {
            sawInterrupt = true;
            // A breakpoint pauses with no interrupt value; interrupt() carries one.
            const values = (data as { __interrupt__: unknown }).__interrupt__;
            pausedAtBreakpoint = Array.isArray(values) && values.length === 0;
          }
          const moved = applyStreamEvent(live, event, data);
          if (moved !== live) onLive?.((live = moved));
          // The run exists now: the list and the header show the thread as busy without waiting for the end.
          if (event === "metadata") {
            runId.current = (data as { run_id?: string } | null)?.run_id ?? null;
            void queryClient.invalidateQueries({ queryKey: keys.threads.lists() });
            // Exact: the thread's status; its state and history change at the end.
            void queryClient.invalidateQueries({ queryKey: keys.threads.detail(threadId), exact: true });
          }
          // "tasks" events only drive the live graph: each repeats the node's whole input, too much for the log.
          if (event.startsWith("tasks")) continue;
          const line = { n: ++n, event, data };
          setLines((ls) => [...ls.slice(-499), line]);
        }
        setOutcome(
          pausedAtBreakpoint ? "Run paused at a breakpoint." : sawInterrupt ? "Run paused at an interrupt: answer it below." : "Run finished.",
        );
        live = sawInterrupt ? { ...live, running: [] } : finishLive(live);
      }
    } catch (err) {
      if (ctrl.signal.aborted) setOutcome("Run cancelled.");
      else setError(errorMessage(err));
    } finally {
      setLastPause({ lastNode: live.last, stepped: kind === "step" });
      onLive?.({ ...live, running: [] });
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
      </div>
      <AssistantPicker graphId={graphId} value={runAssistant} onChange={setPicked} />
      <BreakpointList graphId={graphId} assistantId={runAssistant} />
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
      {next.length > 0 && interrupts.length === 0 && !running && (
        <PausedCard
          reason={pauseReason(next, bp, lastPause.lastNode, lastPause.stepped)}
          disabled={!client}
          onContinue={() => void start("continue")}
          onStep={() => void start("step")}
        />
      )}
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
            {l.event.includes("|") && (
              <span className="ns">
                {l.event
                  .split("|")
                  .slice(1)
                  .join("|")
                  .replace(/:[0-9a-f-]{36}/g, "")}
              </span>
            )}
            <code>{compactJson(l.data, 400)}</code>
          </div>
        ))}
      </div>
    </section>
  );
}
