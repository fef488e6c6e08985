// Executes one run: streams the graph with the thread's checkpointer and
// publishes every event to the broker. Returns how the run ended; the engine
// writes statuses.
import { toCommand } from "../graphs/command.ts";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Run } from "../persistence/types.ts";
import type { CompiledGraph } from "../graphs/registry.ts";
import { serializeError, serializeJson } from "../serialize.ts";
import { libraryModes, translateChunk, type SseOut } from "./stream-modes.ts";
import type { ProtocolSourceEvent } from "./run-observer.ts";
import { protocolSource, CLASSIC_OBSERVED_MODES, classicToProtocol } from "./protocol-source.ts";
import { withSubgraphBreakpoints } from "./subgraph-breakpoints.ts";

export type CancelAction = "interrupt" | "rollback";

export interface ExecutionResult {
  outcome: "success" | "error" | "interrupted" | "rollback" | "timeout";
  error?: unknown;
  /** The last root `values` payload (what /wait returns). */
  lastValues?: unknown;
}

/** The status a run records for how it ended (a rollback that could not purge is an interrupt). */
export function toRunStatus(outcome: ExecutionResult["outcome"]): "success" | "error" | "interrupted" | "timeout" {
  if (outcome === "rollback") return "interrupted";
  return outcome;
}

function omitUndefined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export class TimeoutAbort extends Error {
  constructor() {
    super("The run exceeded its time limit");
    this.name = "TimeoutError";
  }
}

export async function executeRun(
  run: Run,
  sharedGraph: CompiledGraph,
  publish: (event: string, data: string) => void,
  signal: AbortSignal,
  /** Awaited once the run's first event is published, before the graph starts. */
  started?: () => Promise<void> | undefined,
  /** Receives the run's events in the streaming protocol's terms. */
  observe?: (event: ProtocolSourceEvent) => void,
): Promise<ExecutionResult> {
  const kwargs = run.kwargs;
  const userModes = kwargs.stream_mode.length ? kwargs.stream_mode : ["values"];
  const subgraphs = kwargs.subgraphs === true;
  const emit = (out: SseOut | undefined): string | undefined => {
    if (!out) return undefined;
    const json = serializeJson(out.data);
    publish(out.event, json);
    return json;
  };
  // Classic runs show on protocol streams with what they stream anyway.
  const tap = (ns: string[] | undefined, mode: string, chunk: unknown, json: string | undefined) => {
    if (observe && CLASSIC_OBSERVED_MODES.has(mode)) for (const e of classicToProtocol(ns ?? [], mode, chunk, json)) observe(e);
  };
  publish("metadata", serializeJson({ run_id: run.run_id, attempt: 1 }));
  await started?.();

  // Breakpoints inside subgraphs need a per-run copy of the graph (see subgraph-breakpoints.ts).
  let plan: ReturnType<typeof withSubgraphBreakpoints>;
  try {
    plan = withSubgraphBreakpoints(sharedGraph, kwargs.interrupt_before, kwargs.interrupt_after);
  } catch (error) {
    publish("error", serializeJson(serializeError(error)));
    return { outcome: "error", error };
  }
  const graph = plan.graph;
  const input = kwargs.command != null ? toCommand(kwargs.command) : (kwargs.input ?? null);
  const options = graphOptions(run, signal, plan);

  let lastValues: unknown;
  const noteValues = (ns: string[] | undefined, mode: string, chunk: unknown) => {
    if (mode === "values" && (!ns || ns.length === 0)) lastValues = chunk;
  };

  try {
    if (kwargs.protocol === true && observe) {
      // A protocol run: every channel (messages token by token, tools,
      // checkpoints, tasks...), and the classic stream modes it asked for.
      for await (const e of protocolSource(graph, input, options)) {
        if (e.method === "values" || e.method === "updates" || e.method === "custom") {
          const ns = e.namespace.length ? e.namespace : undefined;
          const classic = e.method === "updates" && e.node ? { [e.node]: e.data } : e.data;
          noteValues(ns, e.method, classic);
          emit(translateChunk(ns, e.method, classic, userModes, true));
        }
        observe(e);
      }
    } else if (userModes.includes("events") || userModes.includes("messages")) {
      await streamWithEvents(run, graph, input, options, userModes, emit, noteValues, tap);
    } else {
      const modes = libraryModes(userModes);
      if (!modes.includes("values")) modes.push("values");
      const stream = await graph.stream(input, { ...options, streamMode: modes } as Parameters<CompiledGraph["stream"]>[1]);
      for await (const item of stream as AsyncIterable<unknown[]>) {
        const [ns, mode, chunk] = (subgraphs ? item : [undefined, ...item]) as [string[] | undefined, string, unknown];
        noteValues(ns, mode, chunk);
        const json = emit(translateChunk(ns, mode, chunk, userModes, subgraphs));
        tap(ns, mode, chunk, mode === "values" ? json : undefined);
      }
    }
    if (signal.aborted) return abortedResult(signal, lastValues, publish);
    return { outcome: "success", lastValues };
  } catch (error) {
    if (signal.aborted) return abortedResult(signal, lastValues, publish);
    publish("error", serializeJson(serializeError(error)));
    return { outcome: "error", error, lastValues };
  }
}

/** The options every stream call of the graph gets (stream modes aside). */
function graphOptions(
  run: Run,
  signal: AbortSignal,
  breakpoints: Pick<ReturnType<typeof withSubgraphBreakpoints>, "interruptBefore" | "interruptAfter">,
) {
  const { kwargs } = run;
  const config = kwargs.config;
  return omitUndefined({
    interruptBefore: breakpoints.interruptBefore,
    interruptAfter: breakpoints.interruptAfter,
    tags: config.tags,
    context: kwargs.context,
    configurable: config.configurable as RunnableConfig["configurable"],
    recursionLimit: config.recursion_limit as number | undefined,
    metadata: config.metadata as Record<string, unknown> | undefined,
    runId: run.run_id,
    signal,
    subgraphs: kwargs.subgraphs === true,
  });
}

function abortedResult(signal: AbortSignal, lastValues: unknown, publish: (event: string, data: string) => void): ExecutionResult {
  const reason: unknown = signal.reason;
  if (reason instanceof TimeoutAbort) {
    publish("error", serializeJson(serializeError(reason)));
    return { outcome: "timeout", error: reason, lastValues };
  }
  return { outcome: reason === "rollback" ? "rollback" : "interrupted", lastValues };
}

interface StreamEventV2 {
  event: string;
  run_id: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  data: { chunk?: unknown };
}

interface MessageChunkLike {
  id?: string;
  concat(other: MessageChunkLike): MessageChunkLike;
}

/** The streamEvents path, needed for the "events" and legacy "messages" modes. */
async function streamWithEvents(
  run: Run,
  graph: CompiledGraph,
  input: unknown,
  options: Record<string, unknown>,
  userModes: string[],
  emit: (out: SseOut | undefined) => string | undefined,
  noteValues: (ns: string[] | undefined, mode: string, chunk: unknown) => void,
  tap: (ns: string[] | undefined, mode: string, chunk: unknown, json: string | undefined) => void,
): Promise<void> {
  const subgraphs = options.subgraphs === true;
  const modes = libraryModes(userModes);
  if (!modes.includes("values")) modes.push("values");
  const events = graph.streamEvents(input, { ...options, version: "v2", streamMode: modes } as Parameters<
    CompiledGraph["streamEvents"]
  >[1]) as AsyncIterable<StreamEventV2>;
  const messages: Record<string, MessageChunkLike> = {};
  const completed = new Set<string>();
  for await (const event of events) {
    if (event.tags?.includes("langsmith:hidden")) continue;
    const isRootStream = event.event === "on_chain_stream" && (subgraphs || event.run_id === run.run_id);
    if (isRootStream) {
      const tuple = (subgraphs ? event.data.chunk : [undefined, ...(event.data.chunk as unknown[])]) as [string[] | undefined, string, unknown];
      const [ns, mode, chunk] = tuple;
      noteValues(ns, mode, chunk);
      const json = emit(translateChunk(ns, mode, chunk, userModes, subgraphs));
      tap(ns, mode, chunk, mode === "values" ? json : undefined);
    } else if (userModes.includes("events")) {
      emit({ event: "events", data: event });
    }
    if (!userModes.includes("messages")) continue;
    if (isRootStream) {
      const [, chunk] = event.data.chunk as [unknown, unknown];
      let found: unknown = [];
      if (typeof chunk === "object" && chunk !== null && "messages" in chunk) found = (chunk as { messages: unknown }).messages;
      const list = (Array.isArray(found) ? found : [found]) as Array<{ id?: string }>;
      const fresh = list.filter((m) => m && m.id && !completed.has(m.id));
      for (const m of fresh) completed.add(m.id as string);
      if (fresh.length) emit({ event: "messages/complete", data: fresh });
    } else if (event.event === "on_chat_model_stream" && !event.tags?.includes("nostream")) {
      const message = event.data.chunk as MessageChunkLike;
      if (!message?.id) continue;
      if (!messages[message.id]) {
        messages[message.id] = message;
        emit({ event: "messages/metadata", data: { [message.id]: { metadata: event.metadata } } });
      } else {
        messages[message.id] = messages[message.id].concat(message);
      }
      emit({ event: "messages/partial", data: [messages[message.id]] });
    }
  }
}
