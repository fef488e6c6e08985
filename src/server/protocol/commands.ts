// The protocol's commands, each through the services the classic API uses
// (RunService for runs, ThreadService for state), so a protocol run is an
// ordinary run and access rules applied to those services apply here too.
// Custom auth: every command is authorized with the caller of *this* command
// (the request's user, or the WebSocket's), with the event the classic route
// doing the same thing checks; a thread the caller may not see answers like
// a missing one.
import type { Command } from "@langchain/protocol";
import type { ServerContext } from "../http/context.ts";
import { Access, type Caller } from "../http/access.ts";
import type { AuthFilter } from "../auth/types.ts";
import { matchesFilter } from "../auth/filter.ts";
import { forbidden, threadNotFound } from "../errors.ts";
import type { Run, RunnableConfigRecord } from "../persistence/types.ts";
import type { RunCaller, RunCreateBody } from "../runs/run-service.ts";
import type { ApiThreadState } from "../threads/thread-state.ts";
import { ProtocolError, errorEnvelope, invalidArgument, type ErrorEnvelope } from "./errors.ts";
import { isObject, optionalObject, pendingInterrupts, strategyOf, type Params, type SuccessEnvelope } from "./command-envelope.ts";
import { parseFilter, type EventFilter } from "./event-filter.ts";
import { buildAgentTree, noSuchRun } from "./agent-tree.ts";

type Headers = Record<string, string | string[] | undefined>;

/** What only a WebSocket has: subscriptions (an SSE stream carries its filter in its request). */
export interface CommandSession {
  subscribe(filter: EventFilter & { since?: number }): Promise<{ subscription_id: string; replayed_events: number }>;
  unsubscribe(subscriptionId: string): boolean;
  /** A run this connection started: its subscriptions replay from its start. */
  noteRun(runId: string): void;
}

/** The services the commands go through. */
export type ProtocolDeps = Pick<ServerContext, "persistence" | "runs" | "threads" | "log" | "auth">;

export class ProtocolCommands {
  private readonly access: Access;

  constructor(private readonly ctx: ProtocolDeps) {
    this.access = new Access(ctx);
  }

  /** Always an envelope: handler errors become protocol errors, never an HTTP 5xx. */
  async dispatch(
    threadId: string,
    command: Command,
    caller: Caller,
    headers: Headers,
    session?: CommandSession,
  ): Promise<SuccessEnvelope | ErrorEnvelope> {
    try {
      const result = await this.handle(threadId, command.method, (command.params ?? {}) as Params, caller, headers, session);
      return { type: "success", id: command.id, result, meta: { thread_id: threadId } };
    } catch (error) {
      if (!(error instanceof ProtocolError)) this.ctx.log.debug("protocol command failed", { method: command.method, error: String(error) });
      return errorEnvelope(command.id, error);
    }
  }

  private async handle(threadId: string, method: string, p: Params, caller: Caller, headers: Headers, session?: CommandSession): Promise<unknown> {
    switch (method) {
      case "run.start":
        return this.runStart(threadId, p, caller, headers, session);
      case "input.respond":
        return this.inputRespond(threadId, p, caller, headers, session);
      case "input.inject":
        return this.inputInject(threadId, p, caller);
      case "state.get":
        await this.readable(caller, threadId);
        return this.stateGet(threadId, p);
      case "state.listCheckpoints":
        await this.readable(caller, threadId);
        return this.listCheckpoints(threadId, p);
      case "state.fork":
        return this.stateFork(threadId, p, caller, headers, session);
      case "agent.getTree": {
        const runId = typeof p.run_id === "string" ? p.run_id : undefined;
        // A hidden thread answers as one without runs does.
        await this.readable(caller, threadId, () => noSuchRun(threadId, runId));
        return { tree: await buildAgentTree(this.ctx, threadId, runId) };
      }
      case "subscription.subscribe": {
        if (!session)
          throw new ProtocolError(
            "not_supported",
            "Subscriptions live on the WebSocket; over HTTP, open POST /threads/{thread_id}/stream/events with the filter.",
          );
        // The handler may refuse outright; a filter is the socket's gate's to apply to each run.
        await this.access.check(caller, "threads:read", { thread_id: threadId });
        return session.subscribe(parseFilter(p));
      }
      case "subscription.unsubscribe": {
        if (!session) throw new ProtocolError("not_supported", "Subscriptions live on the WebSocket.");
        if (typeof p.subscription_id !== "string") throw invalidArgument("subscription_id must be a string.");
        if (!session.unsubscribe(p.subscription_id))
          throw new ProtocolError("no_such_subscription", `No subscription ${p.subscription_id} on this connection.`);
        return {};
      }
      case "subscription.reconnect":
        throw new ProtocolError("not_supported", "subscription.reconnect is not supported: subscribe again with since.");
      default:
        throw new ProtocolError("unknown_command", `Unknown command ${JSON.stringify(method)}.`);
    }
  }

  /** threads:read on the thread; one the caller may not see is `miss()` (a missing thread's answer). */
  private readable(caller: Caller, threadId: string, miss?: () => Error): Promise<void> {
    return this.access.thread(caller, "threads:read", { thread_id: threadId }, threadId, miss);
  }

  /** Throws a missing thread's error for a thread that exists but that `filter` hides. */
  private async visible(threadId: string, filter: AuthFilter | undefined): Promise<void> {
    if (!filter) return;
    const thread = await this.ctx.persistence.metadata.threads.get(threadId);
    if (thread && !matchesFilter(thread.metadata, filter)) throw threadNotFound(threadId);
  }

  private async createRun(
    threadId: string,
    body: RunCreateBody,
    caller: RunCaller | undefined,
    headers: Headers,
    session?: CommandSession,
  ): Promise<Run> {
    const run = await this.ctx.runs.create(threadId, { stream_mode: ["values"], ...body }, headers, { protocol: true, caller });
    session?.noteRun(run.run_id);
    return run;
  }

  private async stateOf(threadId: string): Promise<ApiThreadState | undefined> {
    if (!(await this.ctx.persistence.metadata.threads.get(threadId))) return undefined;
    return this.ctx.threads.state(threadId, { subgraphs: true });
  }

  private async runStart(threadId: string, p: Params, caller: Caller, headers: Headers, session?: CommandSession): Promise<unknown> {
    const assistantId = p.assistant_id;
    if (typeof assistantId !== "string" || assistantId.trim() === "")
      throw invalidArgument("run.start requires params.assistant_id (an assistant id or a graph id).");
    const config = optionalObject(p, "config") as RunnableConfigRecord | undefined;
    const context = optionalObject(p, "context");
    const metadata = optionalObject(p, "metadata");
    const strategy = strategyOf(p);
    // threads:create_run, as POST /threads/{id}/runs; it may stamp the
    // metadata (which a thread the run creates takes too).
    const authorized = await this.access.run(caller, threadId, {
      assistant_id: assistantId,
      input: p.input,
      config,
      context,
      metadata,
      multitask_strategy: strategy,
      if_not_exists: "create",
    });
    // The interrupt check reads the thread: only one the caller may run on.
    await this.visible(threadId, authorized.caller?.filter);
    const body = { ...authorized.body };
    // Input on a thread that waits on an interrupt answers it, as the reference does.
    if (body.input !== undefined && body.input !== null) {
      const state = await this.stateOf(threadId);
      if (state && pendingInterrupts(state).length > 0) {
        body.command = { resume: body.input };
        body.input = undefined;
      }
    }
    const run = await this.createRun(threadId, body, authorized.caller, headers, session);
    return { run_id: run.run_id, thread_id: run.thread_id };
  }

  private async inputRespond(threadId: string, p: Params, caller: Caller, headers: Headers, session?: CommandSession): Promise<unknown> {
    const resume: Record<string, unknown> = {};
    if (p.responses !== undefined) {
      if (!Array.isArray(p.responses) || p.responses.length === 0)
        throw invalidArgument("responses must be a non-empty array of {interrupt_id, response}.");
      for (const r of p.responses) {
        if (!isObject(r) || typeof r.interrupt_id !== "string") throw invalidArgument("Each response needs a string interrupt_id.");
        resume[r.interrupt_id] = r.response;
      }
    } else {
      if (typeof p.interrupt_id !== "string") throw invalidArgument("input.respond requires params.interrupt_id (a string) and params.response.");
      resume[p.interrupt_id] = p.response;
    }
    const update = p.update === undefined ? undefined : Array.isArray(p.update) || isObject(p.update) ? p.update : undefined;
    if (p.update !== undefined && update === undefined) throw invalidArgument("update must be an object or a list of [key, value] pairs.");
    const thread = await this.ctx.persistence.metadata.threads.get(threadId);
    const threadAssistant = thread?.metadata.assistant_id ?? thread?.metadata.graph_id;
    // A resume is a run on the thread: threads:create_run, as the classic
    // API's resume. The handler runs for a missing thread as for a hidden
    // one, so its answer tells nothing about which it is.
    const authorized = await this.access.run(caller, threadId, {
      assistant_id: typeof threadAssistant === "string" ? threadAssistant : "",
      command: { resume, ...(update !== undefined ? { update } : {}), ...(p.goto !== undefined ? { goto: p.goto } : {}) },
      config: optionalObject(p, "config") as RunnableConfigRecord | undefined,
      metadata: optionalObject(p, "metadata"),
      multitask_strategy: "enqueue",
    });
    if (!thread || (authorized.caller?.filter && !matchesFilter(thread.metadata, authorized.caller.filter)))
      throw new ProtocolError("no_such_run", `Thread with ID ${threadId} not found`);
    const state = await this.ctx.threads.state(threadId, { subgraphs: true });
    const pending = new Set(pendingInterrupts(state));
    if (pending.size === 0) throw invalidArgument("input.respond can only be used while the run is interrupted.");
    const unknown = Object.keys(resume).filter((id) => !pending.has(id));
    if (unknown.length)
      throw new ProtocolError(
        "no_such_interrupt",
        `The thread does not wait on interrupt ${unknown.join(", ")} (it waits on ${[...pending].join(", ")}).`,
      );
    if (typeof threadAssistant !== "string") throw new ProtocolError("no_such_run", `Thread ${threadId} has no assistant to resume.`);
    const run = await this.createRun(threadId, authorized.body, authorized.caller, headers, session);
    return { run_id: run.run_id };
  }

  private async inputInject(threadId: string, p: Params, caller: Caller): Promise<unknown> {
    const message = p.message;
    if (!isObject(message) || typeof message.role !== "string" || message.content === undefined) {
      throw invalidArgument("input.inject requires params.message {role, content, name?}.");
    }
    const type = ({ user: "human", assistant: "ai" } as Record<string, string>)[message.role] ?? message.role;
    // As POST /threads/{id}/state: not yours to read is a missing thread;
    // yours to read but not to write is permission_denied.
    const mayUpdate = await this.access.check(caller, "threads:update", { thread_id: threadId });
    await this.readable(caller, threadId);
    const thread = await this.ctx.threads.get(threadId);
    if (mayUpdate && !matchesFilter(thread.metadata, mayUpdate)) throw forbidden("Forbidden");
    await this.ctx.threads.updateState(threadId, {
      values: { messages: [{ type, content: message.content, ...(typeof message.name === "string" ? { name: message.name } : {}) }] },
    });
    return {};
  }

  private async stateGet(threadId: string, p: Params): Promise<unknown> {
    const state = await this.stateOf(threadId);
    if (!state) throw new ProtocolError("no_such_run", `Thread with ID ${threadId} not found`);
    let values = state.values;
    if (Array.isArray(p.keys) && isObject(values)) {
      const keys = new Set(p.keys.filter((k): k is string => typeof k === "string"));
      values = Object.fromEntries(Object.entries(values).filter(([k]) => keys.has(k)));
    }
    return {
      values,
      ...(state.checkpoint ? { checkpoint: { id: state.checkpoint.checkpoint_id, ns: state.checkpoint.checkpoint_ns } } : {}),
      next: state.next,
      interrupts: state.tasks.flatMap((t) => t.interrupts),
    };
  }

  private async listCheckpoints(threadId: string, p: Params): Promise<unknown> {
    const limit = p.limit === undefined ? 100 : p.limit;
    if (!Number.isInteger(limit) || (limit as number) < 1) throw invalidArgument("limit must be an integer >= 1.");
    if (p.before !== undefined && typeof p.before !== "string") throw invalidArgument("before must be a checkpoint id.");
    const history = await this.ctx.threads.history(threadId, { limit: Math.min(limit as number, 1000), before: p.before as string | undefined });
    return {
      checkpoints: history
        .filter((s) => s.checkpoint)
        .map((s) => ({
          id: s.checkpoint?.checkpoint_id,
          ...(s.parent_checkpoint ? { parent_id: s.parent_checkpoint.checkpoint_id } : {}),
          timestamp: s.created_at ?? "",
          step: typeof s.metadata?.step === "number" ? s.metadata.step : -1,
          ...(s.next.length ? { node_name: s.next[0] } : {}),
          metadata: s.metadata ?? {},
        })),
    };
  }

  private async stateFork(threadId: string, p: Params, caller: Caller, headers: Headers, session?: CommandSession): Promise<unknown> {
    if (typeof p.checkpoint_id !== "string" || p.checkpoint_id === "") throw invalidArgument("state.fork requires params.checkpoint_id.");
    const config = (optionalObject(p, "config") ?? {}) as RunnableConfigRecord;
    const strategy = strategyOf(p);
    const existing = await this.ctx.persistence.metadata.threads.get(threadId);
    const threadAssistant = existing?.metadata.assistant_id ?? existing?.metadata.graph_id;
    const given = typeof p.assistant_id === "string" ? p.assistant_id : typeof threadAssistant === "string" ? threadAssistant : undefined;
    // A fork is a new run on this thread from one of its checkpoints:
    // threads:create_run (which may stamp metadata); the handler runs for a
    // missing thread as for a hidden one.
    const authorized = await this.access.run(caller, threadId, {
      assistant_id: given ?? "",
      input: p.input ?? null,
      config: { ...config, configurable: { ...(config.configurable ?? {}), checkpoint_id: p.checkpoint_id } },
      multitask_strategy: strategy,
    });
    await this.visible(threadId, authorized.caller?.filter);
    const thread = await this.ctx.threads.get(threadId);
    const assistantId = given;
    if (assistantId === undefined) throw invalidArgument(`Thread ${thread.thread_id} has no assistant: pass params.assistant_id.`);
    // The checkpoint must exist on this thread, or the run would start from scratch.
    const found = await this.ctx.threads.state(threadId, { checkpoint: { checkpoint_id: p.checkpoint_id } }).catch(() => undefined);
    if (!found?.checkpoint) throw new ProtocolError("no_such_checkpoint", `Thread ${threadId} has no checkpoint ${p.checkpoint_id}.`);
    const run = await this.createRun(threadId, authorized.body, authorized.caller, headers, session);
    return { run_id: run.run_id, thread_id: threadId };
  }
}
