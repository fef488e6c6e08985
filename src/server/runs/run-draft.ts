// The record a run creation writes: the run (its config merged from the
// assistant, the thread and the request, its stream options) and the update
// its thread gets in the same commit. Pure: no I/O, no checks of existence.
import type { Assistant, JsonObject, MultitaskStrategy, Run, RunnableConfigRecord, Thread, ThreadUpdate } from "../persistence/types.ts";
import { unprocessable } from "../errors.ts";
import type { AuthContext } from "../auth/types.ts";
import { stampAuthUser, withoutAuthKeys } from "../auth/run-auth.ts";
import { INTERNAL_HEADER_PREFIX } from "../auth/request-auth.ts";
import type { RunCreateBody } from "./run-service.ts";

/** Headers that carry secrets or tenancy: never copied into a run's config. */
const HIDDEN_HEADERS = new Set(["x-api-key", "x-tenant-id", "x-service-key"]);

/**
 * Where a run starts (a fork's checkpoint) belongs to that run: kept in the
 * thread's config, it made every later run start from the same checkpoint.
 */
const CHECKPOINT_KEYS = new Set(["checkpoint_id", "checkpoint_ns", "checkpoint_map"]);
function withoutCheckpoint(configurable: JsonObject | undefined): JsonObject {
  return Object.fromEntries(Object.entries(configurable ?? {}).filter(([k]) => !CHECKPOINT_KEYS.has(k)));
}

/**
 * Webhooks go to http(s) URLs or to a path on this server; anything else
 * (file:, javascript:, data:) is refused when the run is created rather than
 * attempted when it ends.
 */
export function checkWebhook(webhook: string | undefined): void {
  if (webhook === undefined || (webhook.startsWith("/") && !webhook.startsWith("//"))) return;
  let protocol: string;
  try {
    protocol = new URL(webhook).protocol;
  } catch {
    throw unprocessable(`Invalid webhook ${JSON.stringify(webhook.slice(0, 200))}: expected an http(s) URL or a path starting with "/"`);
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw unprocessable(`Invalid webhook ${JSON.stringify(webhook.slice(0, 200))}: only http and https URLs are allowed, got ${protocol}`);
  }
}

export interface RunDraftInput {
  runId: string;
  body: RunCreateBody;
  headers: Record<string, string | string[] | undefined>;
  assistant: Assistant;
  thread: Thread;
  strategy: MultitaskStrategy;
  /** A stateless run whose thread goes with it when it ends. */
  temporary: boolean;
  /** Started through the streaming protocol (every channel is recorded). */
  protocol?: boolean;
  /** Who creates it (custom auth): stamped into its config. */
  caller?: AuthContext;
}

/** The request's config: only the server says who the user is; x- headers (not secrets) join `configurable`. */
function requestConfig(body: RunCreateBody, headers: RunDraftInput["headers"]): RunnableConfigRecord & { configurable: JsonObject } {
  const config: RunnableConfigRecord = { ...(body.config ?? {}) };
  const configurable: JsonObject = { ...withoutAuthKeys(config.configurable ?? {}) };
  if (body.checkpoint_id) configurable.checkpoint_id = body.checkpoint_id;
  if (body.checkpoint) Object.assign(configurable, body.checkpoint);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if ((name.startsWith("x-") && !HIDDEN_HEADERS.has(name) && !name.startsWith(INTERNAL_HEADER_PREFIX)) || name === "user-agent") {
      configurable[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return { ...config, configurable };
}

/** The pending run to insert, and the thread update written with it (the thread becomes busy, takes the merged config). */
export function draftRun(input: RunDraftInput): { run: Run; threadUpdate: ThreadUpdate & { status: "busy" } } {
  const { body, assistant, thread, runId } = input;
  const assistantId = assistant.assistant_id;
  const streamMode = Array.isArray(body.stream_mode) ? [...body.stream_mode] : body.stream_mode != null ? [body.stream_mode] : [];
  if (streamMode.length === 0) streamMode.push("values");
  const runConfig = requestConfig(body, input.headers);
  const runConfigurable = runConfig.configurable;
  const assistantConfigurable = withoutAuthKeys(assistant.config.configurable);
  const threadConfigurable = withoutAuthKeys(thread.config.configurable);
  const threadConfig: RunnableConfigRecord = {
    ...assistant.config,
    ...thread.config,
    ...runConfig,
    configurable: { ...assistantConfigurable, ...withoutCheckpoint(threadConfigurable), ...withoutCheckpoint(runConfigurable) },
  };
  const threadUpdate = { status: "busy" as const, metadata: { graph_id: assistant.graph_id, assistant_id: assistantId }, config: threadConfig };
  const configurable: JsonObject = {
    ...assistantConfigurable,
    ...withoutCheckpoint(threadConfigurable),
    ...runConfigurable,
    run_id: runId,
    thread_id: thread.thread_id,
    graph_id: assistant.graph_id,
    assistant_id: assistantId,
  };
  stampAuthUser(configurable, input.caller);
  const metadata: JsonObject = { ...assistant.metadata, ...thread.metadata, ...threadUpdate.metadata, ...(body.metadata ?? {}) };
  const now = Date.now();
  const feedbackKeys = body.feedback_keys == null ? undefined : Array.isArray(body.feedback_keys) ? body.feedback_keys : [body.feedback_keys];
  const run: Run = {
    run_id: runId,
    thread_id: thread.thread_id,
    assistant_id: assistantId,
    created_at: new Date(now + Math.max(0, body.after_seconds ?? 0) * 1000).toISOString(),
    updated_at: new Date(now).toISOString(),
    status: "pending",
    metadata,
    multitask_strategy: input.strategy,
    kwargs: {
      input: body.input,
      command: body.command ?? undefined,
      config: { ...assistant.config, ...runConfig, configurable, metadata },
      context: { ...assistant.context, ...(body.context ?? {}) },
      stream_mode: streamMode,
      interrupt_before: body.interrupt_before,
      interrupt_after: body.interrupt_after,
      webhook: body.webhook,
      feedback_keys: feedbackKeys?.length ? feedbackKeys : undefined,
      temporary: input.temporary,
      subgraphs: body.stream_subgraphs ?? false,
      resumable: body.stream_resumable ?? false,
      on_disconnect: body.on_disconnect,
      ...(input.protocol ? { protocol: true } : {}),
    },
  };
  return { run, threadUpdate };
}
