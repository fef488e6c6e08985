// Authorization as routes use it: run the caller's handler for an event and
// apply its filter to the one record the route touches. A record the filter
// hides answers as if it did not exist (404 by default), so ids do not leak.
// Without custom auth every check is a no-op that reads nothing.
//
// A new route is authenticated already (the hook is global); it authorizes
// with the caller of *this* request (`request.auth`), never one remembered
// from an earlier request. Runs: check "threads:create_run" and pass
// `{ caller: { context: request.auth, filter } }` to RunService.create, which
// applies the filter to an existing thread and puts the user in the run's
// config. Streams and commands on a thread: `thread(request, "threads:read", ...)`.
// Crons: "crons:<action>" events, matched on the cron's metadata, all in
// CronService (routes pass `request.auth`): not here.
import type { FastifyRequest } from "fastify";
import type { ServerContext } from "./context.ts";
import type { AuthEvent, AuthFilter } from "../auth/types.ts";
import { matchesFilter, filterToContainment } from "../auth/filter.ts";
import type { HttpError } from "../errors.ts";
import { assistantNotFound, threadNotFound } from "../errors.ts";
import type { JsonObject } from "../persistence/types.ts";

export class Access {
  constructor(private readonly ctx: ServerContext) {}

  get enabled(): boolean {
    return this.ctx.auth !== undefined;
  }

  /** The handler's filter for `event` (undefined: allowed, no filter). Throws its 401/403. */
  async check(request: FastifyRequest, event: AuthEvent, value: Record<string, unknown>): Promise<AuthFilter | undefined> {
    return this.ctx.auth ? this.ctx.auth.authorize(request.auth, event, value) : undefined;
  }

  /** The filter as a store condition (ThreadFilter / AssistantFilter `authFilter`). */
  async condition(request: FastifyRequest, event: AuthEvent, value: Record<string, unknown>): Promise<JsonObject | undefined> {
    const filter = await this.check(request, event, value);
    return filter ? filterToContainment(filter) : undefined;
  }

  /**
   * `event` on a thread: its handler must allow it and the thread, if it
   * exists, must pass the filter, else `miss()`. A thread that does not
   * exist is left to the route's own 404.
   */
  async thread(request: FastifyRequest, event: AuthEvent, value: Record<string, unknown>, threadId: string, miss: () => HttpError = () => threadNotFound(threadId)): Promise<void> {
    const filter = await this.check(request, event, value);
    if (!filter) return;
    const thread = await this.ctx.persistence.metadata.threads.get(threadId);
    if (thread && !matchesFilter(thread.metadata, filter)) throw miss();
  }

  /** Like thread(), for an assistant (a graph id resolves to its system assistant). */
  async assistant(request: FastifyRequest, event: AuthEvent, value: Record<string, unknown>, assistantId: string, miss: () => HttpError = assistantNotFound): Promise<void> {
    const filter = await this.check(request, event, value);
    if (!filter) return;
    const assistant = await this.ctx.persistence.metadata.assistants.get(this.ctx.runs.resolveAssistantId(assistantId));
    if (assistant && !matchesFilter(assistant.metadata, filter)) throw miss();
  }
}
