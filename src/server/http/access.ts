// Authorization as routes use it: run the caller's handler for an event and
// apply its filter to the one record the route touches. A record the filter
// hides answers as if it did not exist (404 by default), so ids do not leak.
// Without custom auth every check is a no-op that reads nothing.
//
// A new route is authenticated already (the hook is global); it authorizes
// with the caller of *this* request (`request.auth`), never one remembered
// from an earlier request. Runs: `run(request, threadId, body)` checks
// "threads:create_run" and gives the `caller` for RunService.create, which
// applies the filter to an existing thread and puts the user in the run's
// config. Streams and commands on a thread: `thread(request, "threads:read", ...)`.
// The streaming protocol (src/server/protocol) authorizes each command and
// each stream with these same methods; over a WebSocket the caller is the
// socket's authenticated user. Crons: "crons:<action>" events, matched on
// the cron's metadata, all in CronService (routes pass `request.auth`): not here.
import type { ServerContext } from "./context.ts";
import type { AuthContext, AuthEvent, AuthFilter } from "../auth/types.ts";
import { matchesFilter, filterToContainment } from "../auth/filter.ts";
import type { HttpError } from "../errors.ts";
import { assistantNotFound, notFound, threadNotFound } from "../errors.ts";
import type { JsonObject } from "../persistence/types.ts";
import type { RunCaller, RunCreateBody } from "../runs/run-service.ts";

/** Who asks: a request (its `auth`, set by the authenticate hook) or a WebSocket's user. */
export interface Caller {
  auth?: AuthContext;
}

/** The 404 of a run on an assistant that does not exist (run-service.ts assertAssistant), for one the caller may not see. */
export const assistantHidden = (id: string) =>
  notFound(`No assistant found for "${id}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`);

export class Access {
  constructor(private readonly ctx: Pick<ServerContext, "auth" | "persistence" | "runs">) {}

  get enabled(): boolean {
    return this.ctx.auth !== undefined;
  }

  /** The handler's filter for `event` (undefined: allowed, no filter). Throws its 401/403. */
  async check(request: Caller, event: AuthEvent, value: Record<string, unknown>): Promise<AuthFilter | undefined> {
    return this.ctx.auth ? this.ctx.auth.authorize(request.auth, event, value) : undefined;
  }

  /** The filter as a store condition (ThreadFilter / AssistantFilter `authFilter`). */
  async condition(request: Caller, event: AuthEvent, value: Record<string, unknown>): Promise<JsonObject | undefined> {
    const filter = await this.check(request, event, value);
    return filter ? filterToContainment(filter) : undefined;
  }

  /**
   * `event` on a thread: its handler must allow it and the thread, if it
   * exists, must pass the filter, else `miss()`. A thread that does not
   * exist is left to the route's own 404.
   */
  async thread(
    request: Caller,
    event: AuthEvent,
    value: Record<string, unknown>,
    threadId: string,
    miss: () => Error = () => threadNotFound(threadId),
  ): Promise<void> {
    const filter = await this.check(request, event, value);
    if (!filter) return;
    const thread = await this.ctx.persistence.metadata.threads.get(threadId);
    if (thread && !matchesFilter(thread.metadata, filter)) throw miss();
  }

  /** Like thread(), for an assistant (a graph id resolves to its system assistant). */
  async assistant(
    request: Caller,
    event: AuthEvent,
    value: Record<string, unknown>,
    assistantId: string,
    miss: () => HttpError = assistantNotFound,
  ): Promise<void> {
    const filter = await this.check(request, event, value);
    if (!filter) return;
    const assistant = await this.ctx.persistence.metadata.assistants.get(this.ctx.runs.resolveAssistantId(assistantId));
    if (assistant && !matchesFilter(assistant.metadata, filter)) throw miss();
  }

  /**
   * threads:create_run: the handler may refuse, filter the thread the run
   * goes to, and stamp the run's metadata (which also becomes the metadata of
   * a thread the run creates). Returns the body with that metadata and the
   * caller to pass to RunService.create.
   */
  async run(request: Caller, threadId: string | undefined, body: RunCreateBody): Promise<{ body: RunCreateBody; caller?: RunCaller }> {
    if (!this.enabled) return { body };
    const value = {
      thread_id: threadId,
      assistant_id: body.assistant_id,
      run_id: undefined,
      status: "pending",
      metadata: { ...(body.metadata ?? {}) },
      prevent_insert_if_inflight: (body.multitask_strategy ?? "reject") === "reject",
      multitask_strategy: body.multitask_strategy ?? "reject",
      if_not_exists: body.if_not_exists ?? (threadId === undefined ? "create" : "reject"),
      after_seconds: body.after_seconds,
      kwargs: { input: body.input, command: body.command, config: body.config, context: body.context, stream_mode: body.stream_mode },
    };
    const filter = await this.check(request, "threads:create_run", value);
    // Someone else's assistant (its config may hold their prompts and keys)
    // is not the caller's to run: as if it did not exist. A graph's own
    // system assistant is everyone's, as on the reference.
    const assistant = await this.ctx.persistence.metadata.assistants.get(this.ctx.runs.resolveAssistantId(body.assistant_id));
    if (assistant && assistant.metadata.created_by !== "system") {
      await this.assistant(request, "assistants:read", { assistant_id: assistant.assistant_id }, assistant.assistant_id, () =>
        assistantHidden(body.assistant_id),
      );
    }
    return { body: { ...body, metadata: value.metadata ?? {} }, caller: { context: request.auth, filter } };
  }
}
