// Server-sent events on a raw Node response, framed as the reference server
// frames them: `event:`, `data:`, then `id:` (when ids are on), blank line.
// Every stream ends: a failing event source ends it with an `error` event,
// and a comment line goes out whenever it has been quiet for `heartbeatMs`,
// so a client (and any proxy) can tell a live, idle stream from a dead one.
import type { FastifyReply } from "fastify";
import type { StreamEvent } from "../runs/stream-broker.ts";
import { serializeJson } from "../serialize.ts";

export interface SseOptions {
  contentLocation?: string;
  withIds: boolean;
  heartbeatMs: number;
}

export interface SseStream {
  write(e: StreamEvent): boolean;
  end(): void;
  closed: AbortSignal;
}

export function openSse(reply: FastifyReply, options: SseOptions): SseStream {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string> = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...(reply.getHeaders() as Record<string, string>),
  };
  if (options.contentLocation) headers["content-location"] = options.contentLocation;
  res.writeHead(200, headers);
  res.flushHeaders?.();
  const closed = new AbortController();
  let quiet = true;
  const heartbeat = setInterval(() => {
    if (!quiet || res.destroyed || res.writableEnded) {
      quiet = true;
      return;
    }
    res.write(": heartbeat\n\n");
  }, options.heartbeatMs);
  heartbeat.unref();
  res.on("close", () => {
    clearInterval(heartbeat);
    closed.abort();
  });
  return {
    // Events written in one tick leave in one syscall: Node corks a response's
    // socket on write and uncorks it on process.nextTick.
    write(e: StreamEvent): boolean {
      if (res.destroyed) return false;
      quiet = false;
      return res.write(`event: ${e.event}\ndata: ${e.data}\n${options.withIds ? `id: ${e.id}\n` : ""}\n`);
    },
    end(): void {
      clearInterval(heartbeat);
      if (!res.destroyed && !res.writableEnded) res.end();
    },
    closed: closed.signal,
  };
}

/**
 * Pipes events to the client; waits for drain so slow clients get
 * back-pressure. The headers are gone by now, so a failure cannot become an
 * HTTP status: it becomes the stream's last event.
 */
export async function pipeEvents(events: AsyncIterable<StreamEvent>, sse: SseStream, reply: FastifyReply): Promise<void> {
  let lastId = -1;
  try {
    for await (const e of events) {
      if (sse.closed.aborted) break;
      lastId = e.id;
      if (!sse.write(e)) {
        if (sse.closed.aborted || reply.raw.destroyed) break;
        await new Promise<void>((resolve) => {
          const done = () => {
            reply.raw.off("drain", done);
            sse.closed.removeEventListener("abort", done);
            resolve();
          };
          reply.raw.once("drain", done);
          sse.closed.addEventListener("abort", done, { once: true });
        });
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    sse.write({ id: lastId + 1, event: "error", data: serializeJson({ error: "StreamError", message: `The stream stopped: ${message}` }) });
  } finally {
    sse.end();
  }
}
