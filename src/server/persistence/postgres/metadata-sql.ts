// The app_* tables' rows as the store reads them, their mapping to the API
// shapes, and the SQL pieces the assistant, thread and run stores share.
// Sort fields and filters are spliced from whitelists; values are always
// $n parameters.
import type {
  Assistant,
  AssistantFilter,
  AssistantSearch,
  AssistantVersion,
  JsonObject,
  MultitaskStrategy,
  Run,
  RunKwargs,
  RunStatus,
  Thread,
  ThreadFilter,
  ThreadSearch,
  ThreadStatus,
  ThreadUpdate,
} from "../types.ts";
import { iso, likeEscape, type Params } from "./sql.ts";

export interface AssistantRow {
  assistant_id: string;
  graph_id: string;
  config: Assistant["config"];
  context: JsonObject;
  metadata: JsonObject;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface ThreadRow {
  thread_id: string;
  created_at: Date;
  updated_at: Date;
  metadata: JsonObject;
  status: ThreadStatus;
  config: Thread["config"];
  values: JsonObject | null;
  interrupts: Record<string, unknown[]> | null;
  error: unknown;
}

export interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  created_at: Date;
  updated_at: Date;
  status: RunStatus;
  metadata: JsonObject;
  multitask_strategy: MultitaskStrategy;
  kwargs: RunKwargs;
}

export const toVersion = (r: Omit<AssistantRow, "updated_at">): AssistantVersion => ({
  assistant_id: r.assistant_id,
  graph_id: r.graph_id,
  config: r.config,
  context: r.context,
  metadata: r.metadata,
  name: r.name,
  description: r.description,
  version: r.version,
  created_at: iso(r.created_at),
});

export const toAssistant = (r: AssistantRow): Assistant => ({ ...toVersion(r), updated_at: iso(r.updated_at) });

// values / interrupts / error stay absent until written, as the contract says.
export const toThread = (r: ThreadRow): Thread => ({
  thread_id: r.thread_id,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  metadata: r.metadata,
  status: r.status,
  config: r.config,
  ...(r.values !== null ? { values: r.values } : {}),
  ...(r.interrupts !== null ? { interrupts: r.interrupts } : {}),
  ...(r.error !== null ? { error: r.error } : {}),
});

export const toRun = (r: RunRow): Run => ({
  run_id: r.run_id,
  thread_id: r.thread_id,
  assistant_id: r.assistant_id,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  status: r.status,
  metadata: r.metadata,
  multitask_strategy: r.multitask_strategy,
  kwargs: r.kwargs,
});

// Sort fields are spliced into SQL, so only these whitelisted columns exist.
export const ASSISTANT_SORT: Record<NonNullable<AssistantSearch["sort_by"]>, string> = {
  assistant_id: "assistant_id",
  graph_id: "graph_id",
  name: "name",
  created_at: "created_at",
  updated_at: "updated_at",
};
export const THREAD_SORT: Record<NonNullable<ThreadSearch["sort_by"]>, string> = {
  thread_id: "thread_id",
  status: "status",
  created_at: "created_at",
  updated_at: "updated_at",
};

export function orderBy<K extends string>(columns: Record<K, string>, sortBy: K | undefined, order: string | undefined): string {
  const column = sortBy !== undefined && Object.prototype.hasOwnProperty.call(columns, sortBy) ? columns[sortBy] : "created_at";
  const direction = order === "asc" ? "ASC" : "DESC";
  // seq breaks ties in insertion order, as the memory backend does.
  return `ORDER BY ${column} ${direction}, seq ${direction}`;
}

export const RUN_COLUMNS = "run_id, thread_id, assistant_id, created_at, updated_at, status, metadata, multitask_strategy, kwargs";
export const ASSISTANT_COLUMNS = "assistant_id, graph_id, config, context, metadata, name, description, version, created_at, updated_at";
export const THREAD_COLUMNS = `thread_id, created_at, updated_at, metadata, status, config, "values", interrupts, error`;

function prefixed(alias: string, columns: string): string {
  return columns
    .split(", ")
    .map((c) => `${alias}.${c} AS "${alias}_${c.replaceAll('"', "")}"`)
    .join(", ");
}

/** The columns of `row` that start with `alias`_, without the prefix; undefined when the joined row was missing. */
export function unprefixed<T>(row: Record<string, unknown>, alias: string, key: string): T | undefined {
  if (row[`${alias}_${key}`] === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(`${alias}_`)) out[k.slice(alias.length + 1)] = v;
  return out as T;
}

// Hot-path statements with fixed text: named, so each connection plans them once.
export const ASSISTANT_GET_SQL = `SELECT ${ASSISTANT_COLUMNS} FROM app_assistants WHERE assistant_id = $1`;
export const THREAD_GET_SQL = `SELECT ${THREAD_COLUMNS} FROM app_threads WHERE thread_id = $1`;
export const THREAD_CREATE_SQL = `INSERT INTO app_threads (thread_id, metadata) VALUES ($1, $2::jsonb)
  ON CONFLICT (thread_id) DO NOTHING RETURNING ${THREAD_COLUMNS}`;
/** One row whatever exists: the assistant's columns prefixed a_, the thread's t_ (null when missing). */
export const ASSISTANT_AND_THREAD_SQL = `SELECT ${prefixed("a", ASSISTANT_COLUMNS)}, ${prefixed("t", THREAD_COLUMNS)}
  FROM (VALUES (1)) AS one LEFT JOIN app_assistants a ON a.assistant_id = $1 LEFT JOIN app_threads t ON t.thread_id = $2`;
export const RUN_GET_SQL = `SELECT ${RUN_COLUMNS} FROM app_runs WHERE run_id = $1 AND ($2::text IS NULL OR thread_id = $2)`;
export const RUNS_ACTIVE_SQL = `SELECT ${RUN_COLUMNS} FROM app_runs WHERE thread_id = $1 AND status IN ('pending', 'running') ORDER BY created_at, seq`;

/** A finished run's thread update: "idle" stays "busy" while another run of the thread is queued or running. */
export function finishThreadSql(runId: string, threadId: string, update: ThreadUpdate, p: Params, extraSet?: string): string {
  if (update.status !== "idle") return threadUpdateSql(threadId, update, p, undefined, extraSet);
  const status = `CASE WHEN EXISTS (SELECT 1 FROM app_runs o WHERE o.thread_id = ${p.add(threadId)} AND o.run_id <> ${p.add(runId)}
                                     AND o.status IN ('pending', 'running')) THEN 'busy' ELSE 'idle' END`;
  return threadUpdateSql(threadId, { ...update, status: undefined }, p, status, extraSet);
}

/**
 * UPDATE app_threads for a ThreadUpdate (no RETURNING), parameters added to
 * `p`; `statusSql` computes the status; `extraSet`, one more assignment.
 */
export function threadUpdateSql(threadId: string, update: ThreadUpdate, p: Params, statusSql?: string, extraSet?: string): string {
  const sets = ["updated_at = clock_timestamp()"];
  if (extraSet !== undefined) sets.push(extraSet);
  if (statusSql !== undefined) sets.push(`status = ${statusSql}`);
  else if (update.status !== undefined) sets.push(`status = ${p.add(update.status)}`);
  if (update.metadata !== undefined) sets.push(`metadata = metadata || ${p.json(update.metadata)}`);
  if ("values" in update) sets.push(`"values" = ${p.json(update.values)}`);
  if ("interrupts" in update) sets.push(`interrupts = ${p.json(update.interrupts)}`);
  if (update.config !== undefined) sets.push(`config = ${p.json(update.config)}`);
  if ("error" in update) sets.push(`error = ${p.json(update.error)}`);
  return `UPDATE app_threads SET ${sets.join(", ")} WHERE thread_id = ${p.add(threadId)}`;
}

export function assistantWhere(filter: AssistantFilter, p: Params): string {
  const conditions: string[] = [];
  if (filter.graph_id !== undefined) conditions.push(`graph_id = ${p.add(filter.graph_id)}`);
  if (filter.name !== undefined) conditions.push(`name ILIKE ${p.add(`%${likeEscape(filter.name)}%`)}`);
  if (filter.metadata !== undefined) conditions.push(`metadata @> ${p.json(filter.metadata)}`);
  if (filter.authFilter !== undefined) conditions.push(`metadata @> ${p.json(filter.authFilter)}`);
  return conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
}

export function threadWhere(filter: ThreadFilter, p: Params): string {
  const conditions: string[] = [];
  if (filter.ids !== undefined) conditions.push(`thread_id = ANY(${p.add(filter.ids)}::text[])`);
  if (filter.status !== undefined) conditions.push(`status = ${p.add(filter.status)}`);
  if (filter.metadata !== undefined) conditions.push(`metadata @> ${p.json(filter.metadata)}`);
  // The auth filter is its own condition (not merged into the user's): both use the GIN index.
  if (filter.authFilter !== undefined) conditions.push(`metadata @> ${p.json(filter.authFilter)}`);
  // Threads that have no values yet match any values filter (the reference server does the same).
  if (filter.values !== undefined) conditions.push(`("values" IS NULL OR "values" @> ${p.json(filter.values)})`);
  return conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
}
