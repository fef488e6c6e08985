// Crons as the API defines them: validation, defaults, the run payload each
// firing uses; the firing itself is cron-firing.ts. Routes call only this
// service, so custom auth on the `crons` resource (cron-access.ts) runs in
// every call: the caller's `crons:<action>` handler, the metadata it stamps
// persisted, a cron its filter rejects hidden (404, as if it did not exist).
import { v7 as uuid7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { AuthContext } from "../auth/types.ts";
import { notFound, unprocessable } from "../errors.ts";
import type { Cron, CronFiring, CronPatch, CronSearch, CronStore, OnRunCompleted } from "../persistence/cron-store.ts";
import type { JsonObject, MetadataStore } from "../persistence/types.ts";
import type { RunService } from "../runs/run-service.ts";
import { CronAccess, cronNotFound, isObject, type CronAuthorizer } from "./cron-access.ts";
import { startFiring } from "./cron-firing.ts";
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

export { cronNotFound, type CronAuthorizer } from "./cron-access.ts";

/** The user id a cron records: the caller's identity (the reference's `user_id`). */
const callerId = (caller: AuthContext | undefined): string | null => (typeof caller?.user.identity === "string" ? caller.user.identity : null);

export class CronService {
  private readonly access: CronAccess;

  constructor(
    private readonly store: CronStore,
    private readonly metadata: MetadataStore,
    private readonly runs: RunService,
    private readonly clock: Clock,
    /** The project's custom auth; undefined: every caller may do everything. */
    auth?: CronAuthorizer,
  ) {
    this.access = new CronAccess(store, metadata, auth);
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
    await this.access.authorize(caller, "crons:create", value);
    const payload = isObject(value.payload) ? value.payload : pickPayload(body);
    await this.access.authorizeRuns(caller, threadId ?? null, assistant, payload);
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
    return this.access.authorizedCron(cronId, caller, "crons:read", { cron_id: cronId });
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
    const cron = await this.access.authorizedCron(cronId, caller, "crons:update", value);
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
      if (this.access.enabled) await this.access.authorizeRuns(caller, cron.thread_id, await this.runs.assertAssistant(cron.assistant_id), payload);
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
    await this.access.authorizedCron(cronId, caller, "crons:delete", { cron_id: cronId });
    if (!(await this.store.delete(cronId))) throw cronNotFound(cronId);
  }

  async search(body: CronSearchBody, caller?: AuthContext): Promise<Cron[] | Partial<Cron>[]> {
    const authFilter = await this.access.searchFilter(caller, body);
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
    const authFilter = await this.access.searchFilter(caller, body);
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

  /** Starts the run of one claimed firing and records the outcome (cron-firing.ts). */
  fire(cron: Cron, firing: CronFiring): Promise<CronFiring["status"]> {
    return startFiring({ store: this.store, metadata: this.metadata, runs: this.runs }, cron, firing);
  }
}
