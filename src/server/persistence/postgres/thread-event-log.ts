// The protocol event history on PostgreSQL (app_thread_events): shared by
// every process on the database, so a client of one process follows a run
// executing on another and reconnects after a restart. Each append is one
// statement that numbers the batch (from the thread row's counter), inserts
// it and notifies the other processes. Retention is by age (prune).
import type pg from "pg";
import type { NewThreadEvent, ThreadEvent, ThreadEventLog } from "../types.ts";
import type { PostgresRunBus } from "./run-bus.ts";

interface Row {
  seq: string;
  run_id: string;
  method: string;
  channel: string;
  namespace: string[];
  params: string;
}

export class PostgresThreadEventLog implements ThreadEventLog {
  /** A round trip per batch: ~20 ms of token streaming goes in one insert. */
  readonly batchDelayMs = 20;

  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: PostgresRunBus,
  ) {}

  async append(threadId: string, runId: string, events: NewThreadEvent[]): Promise<void> {
    if (events.length === 0) return;
    const [channel, payload] = this.bus.notification({ type: "thread_events", thread_id: threadId });
    // synchronous_commit off for this statement only, as for run events: the
    // run's end, committed synchronously after, flushes these too.
    await this.pool.query(
      `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
            alloc AS (
              UPDATE app_threads SET event_seq = event_seq + $3 WHERE thread_id = $1
              RETURNING event_seq - $3 AS base),
            appended AS (
              INSERT INTO app_thread_events (thread_id, seq, run_id, method, channel, namespace, params)
              SELECT $1, alloc.base + u.ord, $2, u.method, u.channel, u.ns::jsonb, u.params
                FROM alloc, unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(method, channel, ns, params, ord))
       SELECT pg_notify($8, $9) FROM async_commit`,
      [
        threadId,
        runId,
        events.length,
        events.map((e) => e.method),
        events.map((e) => e.channel),
        events.map((e) => JSON.stringify(e.namespace)),
        events.map((e) => e.params),
        channel,
        payload,
      ],
    );
  }

  async read(threadId: string, afterSeq: number, limit: number): Promise<ThreadEvent[]> {
    // A client's resume position past any seq a thread can reach (1e308, 2^63)
    // has nothing after it; bigint would refuse it and stop the stream.
    if (afterSeq > Number.MAX_SAFE_INTEGER) return [];
    const { rows } = await this.pool.query<Row>(
      "SELECT seq, run_id, method, channel, namespace, params FROM app_thread_events WHERE thread_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      [threadId, afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      run_id: r.run_id,
      method: r.method,
      channel: r.channel,
      namespace: r.namespace,
      params: r.params,
    }));
  }

  async position(threadId: string, runId?: string): Promise<{ last: number; runStart?: number }> {
    const { rows } = await this.pool.query<{ last: string | null; run_start: string | null }>(
      `SELECT (SELECT event_seq FROM app_threads WHERE thread_id = $1) AS last,
              (SELECT min(seq) FROM app_thread_events WHERE run_id = $2 AND thread_id = $1) AS run_start`,
      [threadId, runId ?? ""],
    );
    const row = rows[0];
    return { last: Number(row?.last ?? 0), runStart: row?.run_start != null ? Number(row.run_start) : undefined };
  }

  async prune(olderThanMs: number): Promise<void> {
    await this.pool.query("DELETE FROM app_thread_events WHERE created_at < clock_timestamp() - ($1::bigint * interval '1 millisecond')", [
      olderThanMs,
    ]);
  }

  async deleteThread(): Promise<void> {
    // ON DELETE CASCADE from app_threads.
  }
}
