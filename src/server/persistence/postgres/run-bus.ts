// The cross-process bus on PostgreSQL: LISTEN/NOTIFY on one dedicated
// connection for wake-ups and cancels, and app_run_events for streams that
// other processes join. Notifications are lost while the listener is
// reconnecting; the engine polls, so a lost one only delays.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { BusMessage, RunBus, StoredStreamEvent } from "../types.ts";

const CHANNEL = "skeino_bus";

interface Envelope {
  from: string;
  message: BusMessage;
}

const MAX_EVENT_ID = 2_147_483_647;

export class PostgresRunBus implements RunBus {
  private readonly origin = randomUUID();
  private listeners = new Set<(message: BusMessage) => void>();
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectDedicated: () => Promise<pg.Client>,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  async start(): Promise<void> {
    await this.listen();
  }

  private listen(): Promise<void> {
    this.connecting ??= (async () => {
      const client = await this.connectDedicated();
      if (this.closed) {
        // close() ran while we were connecting: this connection is nobody's.
        await client.end().catch(() => {});
        return;
      }
      const lost = () => {
        if (this.client !== client) return;
        this.client = undefined;
        this.connecting = undefined;
        if (this.closed) return;
        this.retry = setTimeout(() => void this.listen().catch((e: Error) => this.onError(e)), 1000);
        this.retry.unref();
      };
      client.on("error", lost);
      client.on("end", lost);
      client.on("notification", (n) => {
        if (n.channel !== CHANNEL || !n.payload) return;
        let envelope: Envelope;
        try {
          envelope = JSON.parse(n.payload) as Envelope;
        } catch {
          return;
        }
        if (envelope.from === this.origin) return;
        for (const l of this.listeners) l(envelope.message);
      });
      this.client = client;
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.closed) {
        this.client = undefined;
        await client.end().catch(() => {});
        return;
      }
      // We may have missed messages while disconnected: let everyone re-check.
      for (const l of this.listeners) l({ type: "run_created" });
    })().catch((error: Error) => {
      this.connecting = undefined;
      if (!this.closed) {
        this.retry = setTimeout(() => void this.listen().catch((e: Error) => this.onError(e)), 1000);
        this.retry.unref();
      }
      throw error;
    });
    return this.connecting;
  }

  /** Channel and sender id, for statements that build their own envelope. */
  get identity(): { channel: string; origin: string } {
    return { channel: CHANNEL, origin: this.origin };
  }

  /** Channel and payload of a notification, for statements that notify as they write. */
  notification(message: BusMessage): [channel: string, payload: string] {
    return [CHANNEL, JSON.stringify({ from: this.origin, message } satisfies Envelope)];
  }

  async publish(message: BusMessage): Promise<void> {
    await this.pool.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify({ from: this.origin, message } satisfies Envelope)]);
  }

  subscribe(listener: (message: BusMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async appendEvents(runId: string, events: StoredStreamEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One statement, so one commit, and that commit does not wait for the WAL
    // flush (synchronous_commit off for this transaction only): events are
    // for streaming, and the run's end, committed synchronously after them,
    // flushes them too. A run's last events are on its critical path: this
    // saves two fsyncs per run.
    await this.pool.query(
      `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
            appended AS (
              INSERT INTO app_run_events (run_id, id, event, data)
              SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING)
       SELECT pg_notify($5, $6) FROM async_commit`,
      [
        runId,
        events.map((e) => e.id),
        events.map((e) => e.event),
        events.map((e) => e.data),
        CHANNEL,
        JSON.stringify({ from: this.origin, message: { type: "events", run_id: runId } } satisfies Envelope),
      ],
    );
  }

  async readEvents(runId: string, afterId: number, limit: number): Promise<StoredStreamEvent[]> {
    const { rows } = await this.pool.query<StoredStreamEvent>(
      "SELECT id, event, data FROM app_run_events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3",
      // Ids are `integer`: past its range there is nothing to read (and PostgreSQL would refuse the parameter).
      [runId, Math.min(afterId, MAX_EVENT_ID), limit],
    );
    return rows;
  }

  async pruneEvents(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM app_run_events e USING app_runs r
        WHERE e.run_id = r.run_id AND r.ended_at IS NOT NULL AND r.ended_at < clock_timestamp() - ($1::int * interval '1 millisecond')`,
      [olderThanMs],
    );
    return rowCount ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => {});
  }
}
