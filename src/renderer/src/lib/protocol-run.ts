// A run started and watched through the streaming protocol (ThreadStream):
// what it gives beyond the classic stream is the reply as it is written
// (message content blocks, token by token) and tool calls as they start
// and finish. Lines for the run log, the live reply, and how the run ended.
import { Client } from "@langchain/langgraph-sdk";
import { socketProtocols } from "../../../shared/socket-credentials.ts";

export interface StreamLine {
  n: number;
  /** The method, with the namespace as "|"-joined segments for subgraph events. */
  event: string;
  data: unknown;
}

export interface LiveToolCall {
  id: string;
  name: string;
  input?: unknown;
  output?: unknown;
  status: "running" | "finished" | "error";
}

export interface LiveReply {
  /** message id -> text so far, in the order the messages started. */
  texts: Array<{ id: string; text: string }>;
  tools: LiveToolCall[];
}

export type RunEnd = { kind: "finished" } | { kind: "interrupted" } | { kind: "cancelled" } | { kind: "failed"; error: string };

export interface ProtocolRunOptions {
  /** The server, and the headers its requests carry (a project with custom auth: the Studio's credential or a token). */
  server: { url: string; headers: Record<string, string> };
  threadId: string;
  assistantId: string;
  /**
   * A run with this input, or the answer to the thread's interrupt (run.start
   * with input on a thread that waits on an interrupt resumes it, as the
   * classic `command: {resume}` did, and tells the run's id).
   */
  request: { kind: "run"; input: unknown } | { kind: "resume"; value: unknown };
  onStarted(runId: string | undefined): void;
  onLine(line: StreamLine): void;
  onReply(reply: LiveReply): void;
  /** A `tasks` event (a node starting or ending), named as the classic stream names it ("tasks|ns"), for the live graph. */
  onTask?(event: string, data: unknown): void;
  signal: AbortSignal;
}

// Token-level channels feed the live reply; these go to the run log.
const LOGGED = new Set(["values", "updates", "custom", "tools", "input.requested", "lifecycle"]);

interface ProtocolEvent {
  method: string;
  params: { namespace: string[]; data: unknown; node?: string };
}

const isRootTerminal = (e: ProtocolEvent) =>
  e.method === "lifecycle" &&
  e.params.namespace.length === 0 &&
  ["completed", "failed", "interrupted"].includes((e.params.data as { event?: string }).event ?? "");

export async function runThroughProtocol(options: ProtocolRunOptions): Promise<RunEnd> {
  const { server, threadId, assistantId, request, signal } = options;
  // WebSocket: its subscriptions are the server's, and one made before
  // run.start replays nothing older than the run this connection starts, so
  // the SDK never pauses it on an earlier run's terminal event (it would over
  // SSE, where a new stream replays the thread's latest run).
  // A browser WebSocket cannot send headers (and the SDK refuses a client's
  // defaultHeaders over one): the socket offers them as a subprotocol.
  const client = new Client({ apiUrl: server.url });
  const thread = client.threads.stream(threadId, {
    assistantId,
    transport: "websocket",
    webSocketFactory: (url) => new WebSocket(url, socketProtocols(server.headers)),
  });
  const reply: LiveReply = { texts: [], tools: [] };
  let n = 0;
  let sawInterrupt = false;
  try {
    const events = await thread.subscribe({ channels: ["values", "updates", "custom", "messages", "tools", "input", "lifecycle", "tasks"] });
    const input = request.kind === "run" ? request.input : request.value;
    const started = await thread.run.start({ input: (input ?? undefined) as Record<string, unknown> | undefined });
    const runId = started.run_id;
    options.onStarted(runId);
    const aborted = new Promise<"aborted">((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
    const iterator = (events as AsyncIterable<ProtocolEvent>)[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === "aborted") return { kind: "cancelled" };
      if (next.done) return { kind: "finished" };
      const e = next.value;
      const data = e.params.data as Record<string, unknown>;
      // Root lifecycle events name their run: another run's (an earlier one replayed) are not ours.
      const isRootLifecycle = e.method === "lifecycle" && e.params.namespace.length === 0;
      if (isRootLifecycle && data.run_id !== undefined && data.run_id !== runId) continue;
      if (e.method === "messages") {
        applyMessageEvent(reply, data);
        options.onReply({ texts: [...reply.texts], tools: [...reply.tools] });
        continue;
      }
      if (e.method === "tools") {
        applyToolEvent(reply, data);
        options.onReply({ texts: [...reply.texts], tools: [...reply.tools] });
      }
      if (e.method === "tasks") {
        options.onTask?.(`tasks${e.params.namespace.length ? `|${e.params.namespace.join("|")}` : ""}`, data);
        continue;
      }
      if (e.method === "input.requested") sawInterrupt = true;
      if (LOGGED.has(e.method)) {
        const ns = e.params.namespace.length ? `|${e.params.namespace.join("|")}` : "";
        options.onLine({ n: ++n, event: `${e.method}${ns}`, data });
      }
      if (isRootTerminal(e)) {
        const ended = data.event as string;
        if (ended === "failed") return { kind: "failed", error: String(data.error ?? "the run failed") };
        if (ended === "interrupted") return sawInterrupt ? { kind: "interrupted" } : { kind: "cancelled" };
        return sawInterrupt ? { kind: "interrupted" } : { kind: "finished" };
      }
    }
  } finally {
    await thread.close().catch(() => undefined);
  }
}

function applyMessageEvent(reply: LiveReply, data: Record<string, unknown>): void {
  if (data.event === "message-start" && typeof data.id === "string" && !data.role) {
    if (!reply.texts.some((t) => t.id === data.id)) reply.texts.push({ id: data.id, text: "" });
    return;
  }
  if (data.event !== "content-block-delta") return;
  const delta = data.delta as { type?: string; text?: string } | undefined;
  const current = reply.texts[reply.texts.length - 1];
  if (current && delta?.type === "text-delta" && typeof delta.text === "string") current.text += delta.text;
}

function applyToolEvent(reply: LiveReply, data: Record<string, unknown>): void {
  const id = String(data.tool_call_id ?? "");
  let call = reply.tools.find((t) => t.id === id);
  if (data.event === "tool-started") {
    if (!call) reply.tools.push({ id, name: String(data.tool_name ?? "tool"), input: data.input, status: "running" });
    return;
  }
  if (!call) {
    call = { id, name: "tool", status: "running" };
    reply.tools.push(call);
  }
  // A tool's output is its ToolMessage: show what it says.
  const output =
    data.output && typeof data.output === "object" && "content" in data.output ? (data.output as { content: unknown }).content : data.output;
  if (data.event === "tool-finished") Object.assign(call, { output, status: "finished" });
  else if (data.event === "tool-error") Object.assign(call, { output: data.message, status: "error" });
}
