// Server-sent events on a raw Node response, framed as the reference server
// frames them: `event:`, `data:`, then `id:` (when ids are on), blank line.
import type { FastifyReply } from "fastify";
import type { StreamEvent } from "../runs/stream-broker.ts";

export interface SseOptions {
  contentLocation?: string;
  withIds: boolean;
}

export function openSse(reply: FastifyReply, options: SseOptions): { write(e: StreamEvent): boolean; end(): void; closed: AbortSignal } {
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
  res.on("close", () => closed.abort());
  return {
    // Events written in one tick leave in one syscall: Node corks a response's
    // socket on write and uncorks it on process.nextTick.
    write(e: StreamEvent): boolean {
      if (res.destroyed) return false;
      return res.write(`event: ${e.event}\ndata: ${e.data}\n${options.withIds ? `id: ${e.id}\n` : ""}\n`);
    },
    end(): void {
      if (!res.destroyed) res.end();
    },
    closed: closed.signal,
  };
}

/** Pipes broker events to the client; waits for drain so slow clients get back-pressure. */
export async function pipeEvents(events: AsyncIterable<StreamEvent>, sse: ReturnType<typeof openSse>, reply: FastifyReply): Promise<void> {
  for await (const e of events) {
    if (sse.closed.aborted) break;
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
  sse.end();
}
