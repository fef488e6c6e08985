// One WebSocket on a thread: commands in, their answers and the events of
// its subscriptions out. One pump follows the thread's log for the whole
// connection and sends each event once if any subscription wants it (the
// SDK fans events out to its subscriptions itself); a new subscription first
// replays, from the start of the run it cares about, what the pump passed.
import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import { errorEnvelope, invalidArgument } from "./errors.ts";
import { parseJsonBody } from "../http/json-body.ts";
import { HttpError } from "../errors.ts";
import { eventEnvelope, matchesFilter, type EventFilter } from "./event-filter.ts";
import type { CommandSession } from "./commands.ts";
import { parseCommand } from "./command-envelope.ts";
import type { ProtocolService } from "./protocol-service.ts";
import type { Caller } from "../http/access.ts";
import type { ThreadGate } from "./thread-gate.ts";

/** A client that reads slower than this much buffered output is cut off. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class SocketSession implements CommandSession {
  private subscriptions = new Map<string, EventFilter>();
  private cursor = 0;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly closed = new AbortController();
  private lastRun?: string;
  /** The thread's last seq when the socket opened. */
  private openedAt = 0;
  private readonly opened: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    private readonly threadId: string,
    private readonly protocol: ProtocolService,
    private readonly caller: Caller,
    private readonly gate: ThreadGate,
    private readonly headers: Record<string, string | string[] | undefined>,
  ) {
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => void this.onMessage(data));
    socket.once("close", () => this.closed.abort());
    socket.on("error", () => socket.terminate());
    this.opened = this.protocol.runStart(threadId).then((p) => {
      this.cursor = p.last;
      this.openedAt = p.last;
    });
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      await this.opened;
      for await (const e of this.protocol.follow(this.threadId, { after: this.cursor }, this.closed.signal)) {
        const allowed = await this.gate.allows(e);
        await this.inOrder(() => {
          this.cursor = e.seq;
          if (!allowed) return;
          for (const filter of this.subscriptions.values()) {
            if (matchesFilter(e, filter)) {
              this.send(eventEnvelope(e));
              break;
            }
          }
        });
      }
      // The server is shutting down: say so rather than drop the connection.
      if (!this.closed.signal.aborted) this.socket.close(1001, "server shutting down");
    } catch {
      this.socket.terminate();
    }
  }

  private inOrder<T>(task: () => T | Promise<T>): Promise<T> {
    const next = this.serial.then(task);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(1013, "client too slow");
      return;
    }
    this.socket.send(text);
  }

  /** Text or binary frames alike: the SDK sends text, but a Blob or ArrayBuffer is a command too. */
  private async onMessage(data: Buffer | ArrayBuffer | Buffer[]): Promise<void> {
    let raw: unknown;
    try {
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Array.isArray(data)
          ? Buffer.concat(data).toString("utf8")
          : Buffer.from(data).toString("utf8");
      // The same limits as HTTP bodies (nesting depth, text jsonb cannot hold).
      raw = parseJsonBody(text);
    } catch (error) {
      const detail = error instanceof HttpError ? ` (${error.message})` : "";
      this.send(JSON.stringify(errorEnvelope(null, invalidArgument(`Protocol commands must be valid JSON${detail}.`))));
      return;
    }
    const command = parseCommand(raw);
    if ("type" in command) {
      this.send(JSON.stringify(command));
      return;
    }
    const answer = await this.protocol.commands.dispatch(this.threadId, command, this.caller, this.headers, this);
    this.send(JSON.stringify(answer));
  }

  noteRun(runId: string): void {
    this.lastRun = runId;
  }

  /**
   * Replays the events of the run this connection started last (else of the
   * run in progress; else everything since the socket opened: a subscribe
   * sent alongside run.start may be handled after a quick run ended) that
   * the pump already passed, then goes live. `since` replays from there
   * instead.
   */
  async subscribe(filter: EventFilter & { since?: number }): Promise<{ subscription_id: string; replayed_events: number }> {
    await this.opened;
    let from = filter.since;
    if (from === undefined) {
      from = this.openedAt;
      const runId = this.lastRun ?? (await this.activeRun());
      if (runId) {
        const { runStart } = await this.protocol.runStart(this.threadId, runId);
        if (runStart !== undefined) from = runStart - 1;
      }
    }
    const { since: _since, ...live } = filter;
    return this.inOrder(async () => {
      let replayed = 0;
      for (let after = from ?? this.cursor; after < this.cursor;) {
        const batch = await this.protocol.read(this.threadId, after, 256);
        if (batch.length === 0) break;
        for (const e of batch) {
          if (e.seq > this.cursor) break;
          after = e.seq;
          if (matchesFilter(e, live) && (await this.gate.allows(e))) {
            this.send(eventEnvelope(e));
            replayed += 1;
          }
        }
        if (batch[batch.length - 1].seq >= this.cursor) break;
      }
      const id = randomUUID();
      this.subscriptions.set(id, live);
      return { subscription_id: id, replayed_events: replayed };
    });
  }

  unsubscribe(subscriptionId: string): boolean {
    return this.subscriptions.delete(subscriptionId);
  }

  private async activeRun(): Promise<string | undefined> {
    return this.protocol.activeRunId(this.threadId);
  }
}
