// Custom auth on the `crons` resource, in one place: each call runs the
// caller's `crons:<action>` handler, and a cron its filter rejects is a 404
// as if it did not exist. Also authorizes, at creation, the runs a cron will
// start later on its creator's behalf.
import type { CustomAuth } from "../auth/custom-auth.ts";
import { filterToContainment, matchesFilter } from "../auth/filter.ts";
import type { AuthContext, AuthEvent, AuthFilter } from "../auth/types.ts";
import { notFound } from "../errors.ts";
import type { Cron, CronStore } from "../persistence/cron-store.ts";
import type { Assistant, JsonObject, MetadataStore } from "../persistence/types.ts";

/** What the service needs of custom auth: the one most specific handler's verdict. */
export type CronAuthorizer = Pick<CustomAuth, "authorize">;

export const cronNotFound = (cronId: string) => notFound(`Cron with ID ${cronId} not found`);

export const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** What a search names, as its `crons:search` handler sees it. */
export interface CronSearchScope {
  assistant_id?: string;
  thread_id?: string;
  limit?: number;
  offset?: number;
  metadata?: JsonObject | null;
}

export class CronAccess {
  constructor(
    private readonly store: CronStore,
    private readonly metadata: MetadataStore,
    /** The project's custom auth; undefined: every caller may do everything. */
    private readonly auth?: CronAuthorizer,
  ) {}

  get enabled(): boolean {
    return this.auth !== undefined;
  }

  /** The caller's handler for `event` (undefined: allowed, no filter); throws its 401/403. */
  async authorize(caller: AuthContext | undefined, event: AuthEvent, value: Record<string, unknown>): Promise<AuthFilter | undefined> {
    return this.auth ? this.auth.authorize(caller, event, value) : undefined;
  }

  /** The cron if `event` is allowed on it; a cron the caller's filter rejects is a 404 like a missing one. */
  async authorizedCron(cronId: string, caller: AuthContext | undefined, event: AuthEvent, value: Record<string, unknown>): Promise<Cron> {
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
  async authorizeRuns(caller: AuthContext | undefined, threadId: string | null, assistant: Assistant, payload: JsonObject): Promise<void> {
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

  /** The `crons:search` handler's filter, as the containment the stores apply in their WHERE clause. */
  async searchFilter(caller: AuthContext | undefined, body: CronSearchScope): Promise<JsonObject | undefined> {
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
}
