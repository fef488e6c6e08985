// Helpers for the streaming protocol tests: a ThreadStream over either
// transport, bounded waits on async iterables, and a raw SSE reader.
import { WebSocket as WsSocket } from "ws";
import type { Client, ThreadStream } from "@langchain/langgraph-sdk";

export type Transport = "sse" | "websocket";
export const TRANSPORTS: Transport[] = ["sse", "websocket"];

/** Node 20 has no global WebSocket: the SDK takes a factory. */
export const webSocketFactory = (url: string) => new WsSocket(url) as unknown as WebSocket;

export function openThread(client: Client, assistantId: string, transport: Transport, threadId?: string): ThreadStream {
  const options = { assistantId, transport, webSocketFactory };
  return threadId ? client.threads.stream(threadId, options) : client.threads.stream(options);
}

/** Items until `done(item)` is true (included), or throws after `ms`. */
export async function takeUntil<T>(iterable: AsyncIterable<T>, done: (item: T, all: T[]) => boolean, ms = 30_000): Promise<T[]> {
  const out: T[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()))));
    const next = await Promise.race([iterator.next(), timeout]);
    clearTimeout(timer);
    if (next === "timeout") throw new Error(`timed out after ${ms} ms; got ${out.length} items: ${JSON.stringify(out).slice(0, 2000)}`);
    if (next.done) return out;
    out.push(next.value);
    if (done(next.value, out)) return out;
  }
}

export interface WireEvent {
  type: "event";
  event_id: string;
  seq: number;
  method: string;
  params: { namespace: string[]; timestamp: number; node?: string; data: Record<string, unknown> & { event?: string } };
}

export const isRootTerminal = (e: { method: string; params: { namespace: string[]; data: unknown } }) =>
  e.method === "lifecycle" &&
  e.params.namespace.length === 0 &&
  ["completed", "failed", "interrupted"].includes((e.params.data as { event?: string }).event ?? "");

/** Reads a raw SSE stream of /threads/:id/stream/events until `done` or abort. */
export async function readSse(
  url: string,
  threadId: string,
  body: Record<string, unknown>,
  done: (e: WireEvent, all: WireEvent[]) => boolean,
  options: { signal?: AbortSignal; ms?: number } = {},
): Promise<WireEvent[]> {
  const controller = new AbortController();
  options.signal?.addEventListener("abort", () => controller.abort());
  const timer = setTimeout(() => controller.abort(), options.ms ?? 30_000);
  const out: WireEvent[] = [];
  try {
    const res = await fetch(`${url}/threads/${threadId}/stream/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) !== -1) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = frame
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("");
        if (!data) continue;
        const e = JSON.parse(data) as WireEvent;
        out.push(e);
        if (done(e, out)) return out;
      }
    }
    return out;
  } catch (error) {
    if (controller.signal.aborted && !options.signal?.aborted)
      throw new Error(
        `SSE timed out; got ${out.length} events: ${JSON.stringify(out.map((e) => [e.seq, e.method, e.params.data?.event])).slice(0, 2000)}`,
        { cause: error },
      );
    if (options.signal?.aborted) return out;
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export async function command(
  url: string,
  threadId: string,
  id: number,
  method: string,
  params: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/threads/${threadId}/commands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, method, params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** run.start's result with its run id (typed optional by the SDK; the server always sends it). */
export async function started(result: Promise<{ run_id?: string }>): Promise<{ run_id: string }> {
  const { run_id } = await result;
  if (typeof run_id !== "string") throw new Error("run.start answered without a run_id");
  return { run_id };
}
