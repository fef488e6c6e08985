// The statements that claim and end a run on PostgreSQL (run-store.ts sends
// them): each is one statement, so one round trip and one commit.
import type { RunEndEvents, RunOutcome, ThreadUpdate } from "../types.ts";
import { finishThreadSql } from "./metadata-sql.ts";
import type { Params } from "./sql.ts";

/** Who sends on the run bus: finish() notifies as PostgresRunBus.publish does. */
export interface BusIdentity {
  channel: string;
  origin: string;
}

/**
 * A run's end: its status, its thread's new state, its last stream events and
 * protocol events, and the notifications to the other processes (sent by
 * PostgreSQL when it commits). Returns one row, with `more` (another due run
 * waits), only if this statement ended the run.
 */
export function finishSql(
  runId: string,
  status: RunOutcome,
  thread: { threadId: string; update: ThreadUpdate } | undefined,
  last: RunEndEvents | undefined,
  bus: BusIdentity | undefined,
  p: Params,
): string {
  const threadEvents = thread && bus ? (last?.thread ?? []) : [];
  const ctes: string[] = [];
  if (thread) {
    const bump = threadEventsSeq(runId, threadEvents.length, p);
    ctes.push(`thread_update AS (${finishThreadSql(runId, thread.threadId, thread.update, p, bump)} RETURNING event_seq)`);
  }
  ctes.push(`ended AS (UPDATE app_runs SET status = ${p.add(status)}, updated_at = clock_timestamp(), ended_at = clock_timestamp()
                WHERE run_id = ${p.add(runId)} AND status IN ('pending', 'running') RETURNING run_id, thread_id)`);
  // The run's last events (PostgresRunBus.appendEvents' insert), in the end's
  // commit: readers that see the end find them. Only if this statement ends
  // the run: a run deleted meanwhile (its thread was) would fail the whole
  // statement on the foreign key, and a retried finish whose first try
  // committed unseen has written them already.
  const events = last?.run ?? [];
  if (events.length) {
    ctes.push(`events AS (INSERT INTO app_run_events (run_id, id, event, data)
      SELECT ended.run_id, u.* FROM ended, unnest(${p.add(events.map((e) => e.id))}::int[], ${p.add(events.map((e) => e.event))}::text[],
                                          ${p.add(events.map((e) => e.data))}::text[]) AS u ON CONFLICT DO NOTHING)`);
  }
  // The thread's protocol events (PostgresThreadEventLog.append's insert):
  // numbered from the counter the thread update above bumped (one statement
  // cannot update the thread row twice), and only if this statement ends the run.
  if (thread && threadEvents.length) {
    ctes.push(`thread_events AS (INSERT INTO app_thread_events (thread_id, seq, run_id, method, channel, namespace, params)
      SELECT ${p.add(thread.threadId)}, thread_update.event_seq - ${p.add(threadEvents.length)} + u.ord, ended.run_id,
             u.method, u.channel, u.ns::jsonb, u.params
        FROM thread_update, ended,
             unnest(${p.add(threadEvents.map((e) => e.method))}::text[], ${p.add(threadEvents.map((e) => e.channel))}::text[],
                    ${p.add(threadEvents.map((e) => JSON.stringify(e.namespace)))}::text[], ${p.add(threadEvents.map((e) => e.params))}::text[])
             WITH ORDINALITY AS u(method, channel, ns, params, ord)
      RETURNING 1)`);
  }
  // The envelope PostgresRunBus.publish would send, built where the thread id
  // is known; one for the end and the thread's events (each notification
  // costs every listening process a transaction to read it).
  const written = thread && threadEvents.length ? "EXISTS (SELECT 1 FROM thread_events)" : "false";
  const notify = bus
    ? `, pg_notify(${p.add(bus.channel)}, json_build_object('from', ${p.add(bus.origin)}::text, 'message',
         json_build_object('type', 'run_ended', 'run_id', ended.run_id, 'thread_id', ended.thread_id, 'thread_events', ${written}))::text) AS notified`
    : "";
  return `WITH ${ctes.join(", ")}
    SELECT EXISTS (SELECT 1 FROM app_runs WHERE status = 'pending' AND created_at <= now()) AS more${notify} FROM ended`;
}

/**
 * The thread's event counter bumped by `count` in finish()'s thread update,
 * but not when the run has already ended (a retried finish): then no event is
 * written and no number is taken.
 */
function threadEventsSeq(runId: string, count: number, p: Params): string | undefined {
  if (count === 0) return undefined;
  return `event_seq = event_seq + CASE WHEN EXISTS (SELECT 1 FROM app_runs e WHERE e.run_id = ${p.add(runId)} AND e.status IN ('pending', 'running'))
                               THEN ${p.add(count)} ELSE 0 END`;
}

// One statement: lock the oldest due pending run AND its thread row (so two
// claimers never take two runs of one thread), skip what others hold, mark
// the run running and the thread busy.
export const CLAIM_SQL = `
WITH candidate AS (
  SELECT r.run_id, r.thread_id
    FROM app_runs r JOIN app_threads t ON t.thread_id = r.thread_id
   WHERE r.status = 'pending' AND r.created_at <= now()
     AND NOT EXISTS (SELECT 1 FROM app_runs x WHERE x.thread_id = r.thread_id AND x.status = 'running')
   ORDER BY r.created_at, r.seq
   LIMIT 1
   FOR UPDATE OF r, t SKIP LOCKED
), claimed AS (
  UPDATE app_runs r
     SET status = 'running', claimed_by = $1, attempt = r.attempt + 1,
         started_at = clock_timestamp(), updated_at = clock_timestamp()
    FROM candidate c
   WHERE r.run_id = c.run_id
  RETURNING r.run_id, r.thread_id, r.assistant_id, r.created_at, r.updated_at, r.status, r.metadata,
            r.multitask_strategy, r.kwargs
), busy AS (
  -- Usually the run's creation made the thread busy already: then no write
  -- (a thread update is never HOT, it changes indexed columns, and this one
  -- would add a row version, GIN and btree entries per run), as in memory.
  UPDATE app_threads t SET status = 'busy', updated_at = clock_timestamp()
    FROM claimed c WHERE t.thread_id = c.thread_id AND t.status <> 'busy'
)
-- more: another due pending run exists (the index on status, created_at
-- answers it), so waking another worker to claim is worth a round trip.
SELECT claimed.*, EXISTS (SELECT 1 FROM app_runs p WHERE p.status = 'pending' AND p.created_at <= now()
                            AND p.run_id <> claimed.run_id) AS more
  FROM claimed`;
