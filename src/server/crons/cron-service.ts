// Crons as the API defines them: validation, defaults, the run payload each
// firing uses, and the firing itself. Routes call only this service, so
// custom auth on the `crons` resource lives here, in one place: each call
// runs the caller's `crons:<action>` handler, persists the metadata it
// stamps, and hides a cron its filter rejects (404, as if it did not exist).
import { uuid5 } from "@langchain/langgraph-checkpoint";
import { v7 as uuid7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { CustomAuth } from "../auth/custom-auth.ts";
import { filterToContainment, matchesFilter } from "../auth/filter.ts";
import type { AuthContext, AuthEvent, AuthFilter, AuthUser } from "../auth/types.ts";
import { HttpError, notFound, unprocessable } from "../errors.ts";
import type { Cron, CronFiring, CronPatch, CronSearch, CronStore, OnRunCompleted } from "../persistence/cron-store.ts";
import type { Assistant, JsonObject, MetadataStore } from "../persistence/types.ts";
import type { RunCreateBody, RunService } from "../runs/run-service.ts";
import { parseStrictIsoDate } from "./iso-date.ts";
import { nextRunAfter, nextRuns, validateSchedule } from "./schedule.ts";

/** The run fields a cron keeps and replays on every firing. */
export const PAYLOAD_FIELDS = [
  "input",
  "config",
  "context",
  "metadata",
  "interrupt_before",
  "interrupt_after",
  "webhook",
  "multitask_strategy",
  "stream_mode",
  "stream_subgraphs",
  "stream_resumable",
  "checkpoint_during",
  "durability",
] as const;

type PayloadField = (typeof PAYLOAD_FIELDS)[number];

export type CronCreateBody = {
  assistant_id: string;
  schedule: string;
  timezone?: string | null;
  end_time?: string | null;
  enabled?: boolean;
  on_run_completed?: OnRunCompleted;
} & Partial<Record<PayloadField, unknown>>;

export type CronUpdateBody = {
  schedule?: string;
  timezone?: string | null;
  end_time?: string | null;
  enabled?: boolean;
  on_run_completed?: OnRunCompleted;
} & Partial<Record<PayloadField, unknown>>;

export interface CronSearchBody {
  assistant_id?: string;
  thread_id?: string;
  enabled?: boolean;
  metadata?: JsonObject | null;
  limit?: number;
  offset?: number;
  sort_by?: CronSearch["sort_by"];
  sort_order?: CronSearch["sort_order"];
  select?: string[];
}

// Firing ids are derived from the cron and its due time, so a firing retried
// by another process after its claimer died cannot start a second run.
const FIRING_NAMESPACE = "5f0d6d8e-7c55-4b8e-9a3e-2f6a3b1c0d17";
export const firingRunId = (cronId: string, dueAt: string) => uuid5(`run:${cronId}:${new Date(dueAt).toISOString()}`, FIRING_NAMESPACE);
export const firingThreadId = (cronId: string, dueAt: string) => uuid5(`thread:${cronId}:${new Date(dueAt).toISOString()}`, FIRING_NAMESPACE);

function pickPayload(body: Partial<Record<PayloadField, unknown>>): JsonObject {
  const payload: JsonObject = {};
  for (const key of PAYLOAD_FIELDS) if (body[key] !== undefined && body[key] !== null) payload[key] = body[key];
  return payload;
}

function parseEndTime(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const ms = parseStrictIsoDate(value);
  if (ms === undefined)
    throw unprocessable(
      `Invalid 'end_time': ${JSON.stringify(value)} is not a valid ISO 8601 date-time in the years 1970-9999 (e.g. "2027-01-31T18:00:00Z")`,
    );
  return new Date(ms).toISOString();
}

// Filter bodies may carry NUL (as the reference accepts them); no stored id
// holds one, and PostgreSQL refuses it as a text parameter.
const hasNul = (...values: (string | undefined)[]) => values.some((v) => v?.includes("\u0000"));

export const cronNotFound = (cronId: string) => notFound(`Cron with ID ${cronId} not found`);

/** What the service needs of custom auth: the one most specific handler's verdict. */
export type CronAuthorizer = Pick<CustomAuth, "authorize">;

/** The user id a cron records: the caller's identity (the reference's `user_id`). */
const callerId = (caller: AuthContext | undefined): string | null => (typeof caller?.user.identity === "string" ? caller.user.identity : null);

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The identity a firing runs as: the cron's owner. Only the id outlives the
 * request that created the cron (the `user_id` column), so the user the
 * graph sees carries that identity and no permissions.
 */
function ownerContext(userId: string | null): AuthContext | undefined {
  if (userId === null) return undefined;
  const user: AuthUser = { identity: userId, display_name: userId, permissions: [], is_authenticated: true };
  return { user, scopes: [] };
}

export class CronService {
  constructor(
    private readonly store: CronStore,
    private readonly metadata: MetadataStore,
    private readonly runs: RunService,
    private readonly clock: Clock,
    /** The project's custom auth; undefined: every caller may do everything. */
    private readonly auth?: CronAuthorizer,
  ) {}

  /** The caller's handler for `event` (undefined: allowed, no filter); throws its 401/403. */
  private async authorize(caller: AuthContext | undefined, event: AuthEvent, value: Record<string, unknown>): Promise<AuthFilter | undefined> {
    return this.auth ? this.auth.authorize(caller, event, value) : undefined;
  }

  /** The cron if `event` is allowed on it; a cron the caller's filter rejects is a 404 like a missing one. */
  private async authorizedCron(cronId: string, caller: AuthContext | undefined, event: AuthEvent, value: Record<string, unknown>): Promise<Cron> {
    const filter = await this.authorize(caller, event, value);
    const cron = await this.store.get(cronId);
    if (!cron || !matchesFilter(cron.metadata, filter)) throw cronNotFound(cronId);
    return cron;
  }

  /**
   * A cron creates runs later, on its creator's behalf, with no request to
   * authorize them: so they are authorized now, as a run would be. The
   * `threads:create_run` handler may refuse, and stamps the payload's
   * metadata (the runs' metadata, and the metadata of the threads a stateless
   * cron creates, so its owner sees them); someone else's assistant is
   * hidden; a thread cron's thread must pass the `threads:read` and
   * `threads:create_run` filters. Mutates `payload.metadata`.
   */
  private async authorizeRuns(caller: AuthContext | undefined, threadId: string | null, assistant: Assistant, payload: JsonObject): Promise<void> {
    if (!this.auth) return;
    const value = {
      thread_id: threadId ?? undefined,
      assistant_id: assistant.assistant_id,
      metadata: { ...(isObject(payload.metadata) ? payload.metadata : {}) },
      multitask_strategy: payload.multitask_strategy ?? "reject",
      if_not_exists: threadId === null ? "create" : "reject",
      kwargs: { input: payload.input, config: payload.config, context: payload.context, stream_mode: payload.stream_mode },
    };
    const runFilter = await this.authorize(caller, "threads:create_run", value);
    if (Object.keys(value.metadata).length > 0) payload.metadata = value.metadata;
    if (assistant.metadata.created_by !== "system") {
      const assistantFilter = await this.authorize(caller, "assistants:read", { assistant_id: assistant.assistant_id });
      if (!matchesFilter(assistant.metadata, assistantFilter))
        throw notFound(
          `No assistant found for "${assistant.assistant_id}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`,
        );
    }
    if (threadId === null) return;
    const thread = await this.metadata.threads.get(threadId);
    const readFilter = thread ? await this.authorize(caller, "threads:read", { thread_id: threadId }) : undefined;
    if (!thread || !matchesFilter(thread.metadata, readFilter) || !matchesFilter(thread.metadata, runFilter))
      throw notFound(`Thread with ID ${threadId} not found`);
  }

  /**
   * `threadId`: a thread cron; undefined: stateless (a new thread per firing).
   * `caller`: who creates it (custom auth): its `crons:create` handler may
   * refuse or stamp the metadata and payload; its runs are authorized now
   * (authorizeRuns); the cron records the caller as its `user_id`.
   */
  async create(threadId: string | undefined, body: CronCreateBody, caller?: AuthContext): Promise<Cron> {
    const assistant = await this.runs.assertAssistant(body.assistant_id);
    const cronId = uuid7();
    const userId = callerId(caller);
    // The handler sees (and may stamp) the cron as it will be stored.
    const value: Record<string, unknown> = {
      cron_id: cronId,
      thread_id: threadId ?? null,
      assistant_id: assistant.assistant_id,
      schedule: body.schedule,
      end_time: body.end_time ?? null,
      user_id: userId,
      payload: pickPayload(body),
      metadata: { ...(isObject(body.metadata) ? body.metadata : {}) },
    };
    await this.authorize(caller, "crons:create", value);
    const payload = isObject(value.payload) ? value.payload : pickPayload(body);
    await this.authorizeRuns(caller, threadId ?? null, assistant, payload);
    if (threadId !== undefined && !(await this.metadata.threads.get(threadId))) throw notFound(`Thread with ID ${threadId} not found`);
    const now = this.clock.now();
    const timezone = body.timezone ?? null;
    validateSchedule({ schedule: body.schedule, timezone }, now);
    const endTime = parseEndTime(body.end_time) ?? null;
    const enabled = body.enabled ?? true;
    const next = nextRunAfter({ schedule: body.schedule, timezone }, now, endTime);
    const at = new Date().toISOString();
    return this.store.create({
      cron_id: cronId,
      assistant_id: assistant.assistant_id,
      thread_id: threadId ?? null,
      user_id: userId,
      schedule: body.schedule.trim(),
      timezone,
      end_time: endTime,
      payload,
      metadata: isObject(value.metadata) ? value.metadata : {},
      enabled,
      on_run_completed: threadId === undefined ? (body.on_run_completed ?? "delete") : null,
      next_run_date: next ? next.toISOString() : null,
      created_at: at,
      updated_at: at,
    });
  }

  async get(cronId: string, caller?: AuthContext): Promise<Cron> {
    return this.authorizedCron(cronId, caller, "crons:read", { cron_id: cronId });
  }

  async update(cronId: string, body: CronUpdateBody, caller?: AuthContext): Promise<Cron> {
    // The handler may stamp `metadata`; without metadata in the body, what it
    // adds is merged into the cron's (the body's metadata replaces it, as always).
    const value: Record<string, unknown> = {
      cron_id: cronId,
      schedule: body.schedule ?? null,
      payload: pickPayload(body),
      metadata: { ...(isObject(body.metadata) ? body.metadata : {}) },
    };
    const cron = await this.authorizedCron(cronId, caller, "crons:update", value);
    const stamped = isObject(value.metadata) ? value.metadata : {};
    const now = this.clock.now();
    const patch: CronPatch = {};
    const schedule = body.schedule?.trim() ?? cron.schedule;
    const timezone = body.timezone !== undefined ? body.timezone : cron.timezone;
    if (body.schedule !== undefined || body.timezone !== undefined) {
      validateSchedule({ schedule, timezone }, now);
      patch.schedule = schedule;
      patch.timezone = timezone;
    }
    const endTime = body.end_time !== undefined ? (parseEndTime(body.end_time) ?? null) : cron.end_time;
    if (body.end_time !== undefined) patch.end_time = endTime;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    if (body.on_run_completed !== undefined && cron.thread_id === null) patch.on_run_completed = body.on_run_completed;
    const payloadChanges = isObject(value.payload) ? value.payload : pickPayload(body);
    if (Object.keys(payloadChanges).length > 0) {
      const payload: JsonObject = { ...cron.payload, ...payloadChanges };
      // New run fields are authorized as the cron's runs were at creation (a new metadata is stamped again).
      if (this.auth) await this.authorizeRuns(caller, cron.thread_id, await this.runs.assertAssistant(cron.assistant_id), payload);
      patch.payload = payload;
    }
    if (isObject(body.metadata)) patch.metadata = stamped;
    else if (Object.keys(stamped).length > 0) patch.metadata = { ...cron.metadata, ...stamped };
    // A new schedule, zone or end, or a cron switched back on, counts from
    // now: a paused cron does not fire the times it slept through.
    const reenabled = body.enabled === true && !cron.enabled;
    if (patch.schedule !== undefined || body.end_time !== undefined || reenabled) {
      const next = nextRunAfter({ schedule, timezone }, now, endTime);
      patch.next_run_date = next ? next.toISOString() : null;
    }
    const updated = await this.store.update(cronId, patch);
    if (!updated) throw cronNotFound(cronId);
    return updated;
  }

  async delete(cronId: string, caller?: AuthContext): Promise<void> {
    await this.authorizedCron(cronId, caller, "crons:delete", { cron_id: cronId });
    if (!(await this.store.delete(cronId))) throw cronNotFound(cronId);
  }

  /** The `crons:search` handler's filter, as the containment the stores apply in their WHERE clause. */
  private async searchFilter(caller: AuthContext | undefined, body: CronSearchBody): Promise<JsonObject | undefined> {
    const value = {
      assistant_id: body.assistant_id ?? null,
      thread_id: body.thread_id ?? null,
      limit: body.limit ?? null,
      offset: body.offset ?? null,
      metadata: body.metadata ?? null,
    };
    const filter = await this.authorize(caller, "crons:search", value);
    return filter ? filterToContainment(filter) : undefined;
  }

  async search(body: CronSearchBody, caller?: AuthContext): Promise<Cron[] | Partial<Cron>[]> {
    const authFilter = await this.searchFilter(caller, body);
    if (hasNul(body.assistant_id, body.thread_id)) return [];
    const crons = await this.store.search({
      authFilter,
      assistant_id: body.assistant_id === undefined ? undefined : this.runs.resolveAssistantId(body.assistant_id),
      thread_id: body.thread_id,
      enabled: body.enabled,
      metadata: body.metadata ?? undefined,
      limit: body.limit ?? 10,
      offset: body.offset ?? 0,
      sort_by: body.sort_by,
      sort_order: body.sort_order,
    });
    if (!body.select?.length) return crons;
    const fields = body.select;
    return crons.map((cron) => {
      const out: Record<string, unknown> = {};
      for (const field of fields) out[field] = field === "now" ? new Date(this.clock.now()).toISOString() : cron[field as keyof Cron];
      return out as Partial<Cron>;
    });
  }

  async count(body: Pick<CronSearchBody, "assistant_id" | "thread_id" | "metadata">, caller?: AuthContext): Promise<number> {
    const authFilter = await this.searchFilter(caller, body);
    if (hasNul(body.assistant_id, body.thread_id)) return 0;
    return this.store.count({
      authFilter,
      assistant_id: body.assistant_id === undefined ? undefined : this.runs.resolveAssistantId(body.assistant_id),
      thread_id: body.thread_id,
      metadata: body.metadata ?? undefined,
    });
  }

  async firings(cronId: string, limit: number, caller?: AuthContext): Promise<CronFiring[]> {
    await this.get(cronId, caller);
    return this.store.firings(cronId, limit);
  }

  /** The next `count` due times of a schedule (422 naming the field if invalid). */
  preview(schedule: string, timezone: string | null | undefined, count: number): string[] {
    const now = this.clock.now();
    validateSchedule({ schedule, timezone }, now);
    return nextRuns({ schedule, timezone }, now, count).map((d) => d.toISOString());
  }

  /**
   * The due time after this one, computed from `now`: missed ticks collapse
   * into one firing. A schedule that no longer compiles (a zone dropped from
   * the runtime's tz database) stops its cron rather than every cron's claim.
   */
  nextAfterClaim(cron: Cron, now: number): Date | null {
    try {
      return nextRunAfter({ schedule: cron.schedule, timezone: cron.timezone }, now, cron.end_time);
    } catch {
      return null;
    }
  }

  /**
   * Starts the run of one claimed firing and records the outcome. A firing
   * that cannot start (busy thread with "reject", assistant or thread gone)
   * is recorded as failed with the reason; it is not retried.
   */
  async fire(cron: Cron, firing: CronFiring): Promise<CronFiring["status"]> {
    const runId = firingRunId(cron.cron_id, firing.due_at);
    const statelessThreadId = firingThreadId(cron.cron_id, firing.due_at);
    const payload = cron.payload;
    const body: RunCreateBody = {
      ...(payload as Omit<RunCreateBody, "assistant_id">),
      assistant_id: cron.assistant_id,
      metadata: { ...((payload.metadata as JsonObject | undefined) ?? {}), cron_id: cron.cron_id, cron_due_at: firing.due_at },
      on_completion: cron.thread_id === null ? (cron.on_run_completed ?? "delete") : undefined,
    };
    try {
      // The run acts as the cron's owner (langgraph_auth_user_id in its config).
      const run = await this.runs.create(
        cron.thread_id ?? undefined,
        body,
        {},
        { runId, statelessThreadId, caller: { context: ownerContext(cron.user_id) } },
      );
      await this.store.settleFiring(cron.cron_id, firing.due_at, { status: "started", run_id: run.run_id, thread_id: run.thread_id });
      return "started";
    } catch (error) {
      // Another process may have started this very firing (a retried claim): its run is the proof.
      const existing = await this.metadata.runs.get(runId).catch(() => undefined);
      if (existing) {
        await this.store.settleFiring(cron.cron_id, firing.due_at, { status: "started", run_id: runId, thread_id: existing.thread_id });
        return "started";
      }
      const reason = error instanceof HttpError ? `${error.status}: ${error.message}` : error instanceof Error ? error.message : String(error);
      await this.store.settleFiring(cron.cron_id, firing.due_at, { status: "failed", error: reason, thread_id: cron.thread_id });
      // A thread cron whose thread is gone can never fire again: pause it rather than fail every tick.
      if (cron.thread_id !== null && !(await this.metadata.threads.get(cron.thread_id))) await this.store.update(cron.cron_id, { enabled: false });
      return "failed";
    }
  }
}
