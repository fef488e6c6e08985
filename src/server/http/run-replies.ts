// How runs answer over HTTP: a run as the API shows it, where it lives, its
// events as SSE, and JSON sent when it ends (with newlines meanwhile).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ServerContext } from "./context.ts";
import type { Run } from "../persistence/types.ts";
import type { RunCreateBody } from "../runs/run-service.ts";
import { openSse, pipeEvents } from "./sse.ts";
import { serializeJson } from "../serialize.ts";
import { matchesFilter } from "../auth/filter.ts";
import { withoutAuthKeys } from "../auth/run-auth.ts";
import type { Access } from "./access.ts";

/**
 * A run as the API shows it: without the caller's user object, which its
 * stored config keeps for the worker that executes it (perhaps in another
 * process) but which others who may read the thread need not see.
 */
export function runView(run: Run): Run {
  const configurable = run.kwargs.config.configurable;
  const stripped = withoutAuthKeys(configurable);
  if (stripped === configurable) return run;
  return { ...run, kwargs: { ...run.kwargs, config: { ...run.kwargs.config, configurable: stripped } } };
}

export const runLocation = (run: Run, stateless: boolean) => (stateless ? `/runs/${run.run_id}` : `/threads/${run.thread_id}/runs/${run.run_id}`);

/** JSON after the run ends; a newline every second meanwhile keeps proxies from timing out. */
export async function sendWhenDone(reply: FastifyReply, result: Promise<unknown>, headers: Record<string, string>): Promise<void> {
  let heartbeat: NodeJS.Timeout | undefined;
  let started = false;
  heartbeat = setInterval(() => {
    if (!started) {
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "application/json", ...headers });
      started = true;
    }
    reply.raw.write("\n");
  }, 1000);
  try {
    const value = await result;
    clearInterval(heartbeat);
    heartbeat = undefined;
    const body = serializeJson(value);
    if (started) reply.raw.end(body);
    else await reply.headers(headers).type("application/json").send(body);
  } catch (error) {
    if (heartbeat) clearInterval(heartbeat);
    if (!started) throw error;
    reply.raw.end(serializeJson({ __error__: { error: "Error", message: error instanceof Error ? error.message : String(error) } }));
  }
}

/** Creating a run and answering with it, its stream, or its result: the same for a thread's runs and stateless ones. */
export class RunResponder {
  constructor(
    private readonly ctx: ServerContext,
    private readonly access: Access,
  ) {}

  /** POST .../runs: the run, with its location. */
  async create(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, requested: RunCreateBody): Promise<Run> {
    const { body, caller } = await this.access.run(request, threadId, requested);
    const run = await this.ctx.runs.create(threadId, body, request.headers, { caller });
    reply.header("content-location", runLocation(run, threadId === undefined));
    return runView(run);
  }

  /** POST .../runs/stream: the run's events as SSE from its start. */
  async stream(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, requested: RunCreateBody): Promise<void> {
    const { body, caller } = await this.access.run(request, threadId, requested);
    const run = await this.ctx.runs.create(threadId, body, request.headers, { streamed: true, caller });
    const sse = openSse(reply, {
      contentLocation: runLocation(run, threadId === undefined),
      withIds: threadId !== undefined,
      heartbeatMs: this.ctx.settings.sseHeartbeatMs,
    });
    const events = this.ctx.engine.subscribe(run.run_id, { lastEventId: run.kwargs.resumable ? "-1" : undefined, signal: sse.closed });
    if (body.on_disconnect === "cancel") sse.closed.addEventListener("abort", () => this.cancelQuietly(run));
    await pipeEvents(events, sse, reply);
  }

  /** POST .../runs/wait: the run's final values when it ends. */
  async wait(request: FastifyRequest, reply: FastifyReply, threadId: string | undefined, requested: RunCreateBody): Promise<void> {
    const { body, caller } = await this.access.run(request, threadId, requested);
    const run = await this.ctx.runs.create(threadId, body, request.headers, { caller });
    if (body.on_disconnect === "cancel") {
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) this.cancelQuietly(run);
      });
    }
    await sendWhenDone(reply, this.ctx.runs.join(run.run_id, run.thread_id, run), { "content-location": runLocation(run, threadId === undefined) });
  }

  /** A disconnected client's run is interrupted; nobody is left to tell if that fails. */
  cancelQuietly(run: Pick<Run, "run_id" | "thread_id">): void {
    void this.ctx.runs.cancel(run.thread_id, [run.run_id], "interrupt").catch(() => undefined);
  }

  /** threads:read on a stream's thread: true when the caller may not see it (or it is gone). */
  async streamHidden(request: FastifyRequest, threadId: string | undefined): Promise<boolean> {
    if (threadId === undefined) return true;
    const filter = await this.access.check(request, "threads:read", { thread_id: threadId });
    if (!filter) return false;
    const thread = await this.ctx.persistence.metadata.threads.get(threadId);
    return !thread || !matchesFilter(thread.metadata, filter);
  }

  /** The answer of a missing thread, in the stream: one error event (the reference's, which the SDK yields). */
  streamNotFound(reply: FastifyReply): void {
    const sse = openSse(reply, { withIds: true, heartbeatMs: this.ctx.settings.sseHeartbeatMs });
    sse.write({ id: 0, event: "error", data: serializeJson({ error: "Error", message: "404: Thread not found" }) });
    sse.end();
  }
}
