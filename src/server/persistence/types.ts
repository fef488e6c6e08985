/* eslint-disable max-lines -- Over 300 lines on purpose: the whole persistence contract in one file, so both backends and their contract tests read one definition. */
// The persistence contract: every record the HTTP API serves, behind one
// interface with a memory and a PostgreSQL backend. Both pass the same
// contract tests (test/server/persistence/contract.ts). Nothing outside
// persistence/index.ts may branch on the backend.
import type { BaseCheckpointSaver, BaseStore } from "@langchain/langgraph-checkpoint";
import type { HttpError } from "../errors.ts";
import type { CronStore } from "./cron-store.ts";
import type { TtlStore } from "./ttl-store.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: unknown };

export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";
export type RunStatus = "pending" | "running" | "success" | "error" | "timeout" | "interrupted";
export type MultitaskStrategy = "reject" | "interrupt" | "rollback" | "enqueue";
export type IfExists = "raise" | "do_nothing";
export type SortOrder = "asc" | "desc";

export interface RunnableConfigRecord {
  tags?: string[];
  recursion_limit?: number;
  configurable?: JsonObject;
  [key: string]: unknown;
}

export interface Assistant {
  assistant_id: string;
  graph_id: string;
  config: RunnableConfigRecord;
  context: JsonObject;
  metadata: JsonObject;
  name: string;
  description: string | null;
  version: number;
  created_at: string; // ISO
  updated_at: string; // ISO
}

export type AssistantVersion = Omit<Assistant, "updated_at">;

export interface AssistantCreate {
  assistant_id: string;
  graph_id: string;
  config?: RunnableConfigRecord;
  context?: JsonObject;
  metadata?: JsonObject;
  name?: string;
  description?: string | null;
  if_exists?: IfExists;
}

export interface AssistantPatch {
  graph_id?: string;
  config?: RunnableConfigRecord;
  context?: JsonObject;
  metadata?: JsonObject; // shallow-merged
  name?: string;
  description?: string | null;
}

export interface AssistantFilter {
  graph_id?: string;
  name?: string; // case-insensitive substring
  metadata?: JsonObject; // JSONB containment
  /** The caller's auth filter as a containment document (auth/filter.ts): a second, independent metadata condition. */
  authFilter?: JsonObject;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface AssistantSearch extends AssistantFilter, Page {
  sort_by?: "assistant_id" | "graph_id" | "name" | "created_at" | "updated_at";
  sort_order?: SortOrder;
}

export interface Thread {
  thread_id: string;
  created_at: string;
  updated_at: string;
  metadata: JsonObject;
  status: ThreadStatus;
  config: RunnableConfigRecord;
  /** Absent until a run finished or the state was written. */
  values?: JsonObject | null;
  /** task id -> interrupts, absent until a run finished. */
  interrupts?: Record<string, unknown[]>;
  error?: unknown;
}

export interface ThreadCreate {
  thread_id: string;
  metadata?: JsonObject;
  if_exists?: IfExists;
}

export interface ThreadFilter {
  metadata?: JsonObject; // containment
  values?: JsonObject; // containment; threads without values match (as the reference does)
  status?: ThreadStatus;
  ids?: string[];
  /** The caller's auth filter as a containment document (auth/filter.ts): a second, independent metadata condition. */
  authFilter?: JsonObject;
}

export interface ThreadSearch extends ThreadFilter, Page {
  sort_by?: "thread_id" | "status" | "created_at" | "updated_at";
  sort_order?: SortOrder;
}

/** What a finished (or started) run writes back to its thread. */
export interface ThreadUpdate {
  status?: ThreadStatus;
  metadata?: JsonObject; // shallow-merged
  values?: JsonObject | null;
  interrupts?: Record<string, unknown[]>;
  config?: RunnableConfigRecord;
  error?: unknown;
}

export interface RunKwargs {
  input?: unknown;
  command?: { resume?: unknown; update?: unknown; goto?: unknown } | null;
  config: RunnableConfigRecord;
  context?: JsonObject;
  stream_mode: string[];
  interrupt_before?: string[] | "*";
  interrupt_after?: string[] | "*";
  webhook?: string;
  feedback_keys?: string[];
  temporary: boolean;
  subgraphs: boolean;
  resumable: boolean;
  checkpoint_id?: string;
  checkpoint?: JsonObject;
  on_disconnect?: "cancel" | "continue";
  [key: string]: unknown;
}

export interface Run {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  created_at: string; // in the future when after_seconds is set
  updated_at: string;
  status: RunStatus;
  metadata: JsonObject;
  multitask_strategy: MultitaskStrategy;
  kwargs: RunKwargs;
}

export interface RunListOptions extends Page {
  status?: RunStatus;
}

/** Terminal statuses a worker may write. */
export type RunOutcome = Extract<RunStatus, "success" | "error" | "timeout" | "interrupted">;

export interface RunCreateOptions {
  /** Multitask "reject": only on a thread that is idle at that moment (see runs.create). */
  ifIdle?: boolean;
  /**
   * A worker of this process is free: the store may claim the run for it in
   * its own insert (returned "running") when the run is due, its thread has
   * no other run in flight and no other due run waits, so a claim could only
   * have picked this one. A store may ignore it (the run stays "pending").
   */
  claimBy?: string;
}

export interface MetadataStore {
  readonly assistants: {
    /** An existing id with if_exists "raise" (default) throws conflict("Assistant already exists") from errors.ts (HTTP 409). */
    create(input: AssistantCreate): Promise<Assistant>;
    get(assistantId: string): Promise<Assistant | undefined>;
    patch(assistantId: string, patch: AssistantPatch): Promise<Assistant | undefined>;
    /** Deletes the assistant, its versions and its runs. */
    delete(assistantId: string): Promise<boolean>;
    search(query: AssistantSearch): Promise<{ items: Assistant[]; total: number }>;
    count(filter: AssistantFilter): Promise<number>;
    versions(assistantId: string, query: Page & { metadata?: JsonObject; authFilter?: JsonObject }): Promise<AssistantVersion[]>;
    setLatest(assistantId: string, version: number): Promise<Assistant | "no-assistant" | "no-version">;
    /** Deletes every assistant except those whose metadata.created_by is "system". */
    truncateUserAssistants(): Promise<void>;
  };
  readonly threads: {
    create(input: ThreadCreate): Promise<Thread | "exists">;
    get(threadId: string): Promise<Thread | undefined>;
    update(threadId: string, update: ThreadUpdate): Promise<Thread | undefined>;
    /** Deletes the thread and (cascade) its runs. Checkpoints are the caller's job. */
    delete(threadId: string): Promise<boolean>;
    search(query: ThreadSearch): Promise<{ items: Thread[]; total: number }>;
    count(filter: ThreadFilter): Promise<number>;
    truncate(): Promise<void>;
  };
  /**
   * Optional: the assistant and the thread a run is created for, in one
   * round trip (each undefined when missing). Without it, two reads.
   */
  assistantAndThread?(assistantId: string, threadId: string): Promise<{ assistant?: Assistant; thread?: Thread }>;
  readonly runs: {
    /**
     * Inserts a pending run; with `thread`, also applies that update to the
     * run's thread, atomically (one commit on Postgres). `ifIdle` (multitask
     * "reject"): only if the thread is not busy and has no pending or running run at that moment, else a 422,
     * exact across processes sharing the database.
     */
    create(run: Run, thread?: ThreadUpdate, options?: RunCreateOptions): Promise<Run>;
    get(runId: string, threadId?: string): Promise<Run | undefined>;
    list(threadId: string, options: RunListOptions): Promise<Run[]>;
    /** Pending and running runs of a thread, oldest first. */
    active(threadId: string): Promise<Run[]>;
    delete(runId: string): Promise<boolean>;
    /**
     * Atomically picks the oldest pending run whose created_at is due and
     * whose thread has no running run, marks it running and its thread busy.
     */
    claimNext(workerId: string): Promise<Run | undefined>;
    /**
     * Optional. Whether the statement that claimed or finished `runId` saw a
     * due pending run other than the one it claimed: false means a claim now
     * can be known to find nothing (unless a run is created meanwhile, which
     * wakes a worker itself). Answers once per claim and once per finish;
     * undefined: unknown, claim.
     */
    pendingAfter?(runId: string): boolean | undefined;
    /** Optional. True when finish() itself tells the other processes (run_ended) in its commit. */
    finishNotifies?(): boolean;
    /** Optional. True when finish() writes `last.thread` to the thread's event log (ThreadEventLog.append) in its commit. */
    finishWritesThreadEvents?(): boolean;
    /**
     * Guarded write: only from pending|running. Returns false if the run had
     * already ended or vanished. With `thread`, also applies that update to
     * the thread, atomically (one commit on Postgres); a status "idle" is
     * written as "busy" while another run of the thread is pending or running.
     * `last`: the run's events not written yet, written in the same commit
     * (see RunEndEvents).
     */
    finish(runId: string, status: RunOutcome, thread?: { threadId: string; update: ThreadUpdate }, last?: RunEndEvents): Promise<boolean>;
    /** Earliest created_at of a pending run that is not yet due, for timers. */
    nextDueAt(): Promise<Date | undefined>;
    /** Marks runs left running by a dead process per the recovery policy; returns them. */
    settleOrphaned(reason: string): Promise<Run[]>;
    truncate(): Promise<void>;
  };
  close(): Promise<void>;
}

/** Checkpoint operations LangGraph's saver interface lacks. */
export interface CheckpointAdmin {
  deleteThread(threadId: string): Promise<void>;
  /** Deletes the checkpoints (and their writes) a run created: multitask rollback. */
  deleteRun(threadId: string, runId: string): Promise<void>;
  copyThread(sourceThreadId: string, targetThreadId: string): Promise<void>;
  /** TTL keep_latest: deletes every checkpoint of the thread but the newest of each namespace; returns how many. */
  pruneToLatest(threadId: string): Promise<number>;
  truncate(): Promise<void>;
}

/** What processes sharing one database tell each other. */
export type BusMessage =
  | { type: "run_created" }
  /** thread_events: the run's end also wrote protocol events to its thread (one notification for both). */
  | { type: "run_ended"; run_id: string; thread_id: string; thread_events?: boolean }
  | { type: "cancel"; run_id: string; action: "interrupt" | "rollback" }
  | { type: "events"; run_id: string }
  | { type: "thread_events"; thread_id: string };

export interface StoredStreamEvent {
  id: number;
  event: string;
  /** JSON text */
  data: string;
}

/**
 * Cross-process coordination for backends several server processes share.
 * Notifications are not durable: every user also polls.
 */
export interface RunBus {
  /** Sends to every other process on the database (not to this one). */
  publish(message: BusMessage): Promise<void>;
  subscribe(listener: (message: BusMessage) => void): () => void;
  /**
   * The run's stream, for subscribers in other processes and Last-Event-ID
   * replay. Also tells the other processes ({type: "events"}) once the
   * events are readable.
   */
  appendEvents(runId: string, events: StoredStreamEvent[]): Promise<void>;
  readEvents(runId: string, afterId: number, limit: number): Promise<StoredStreamEvent[]>;
  /** Deletes event logs of runs that ended more than `olderThanMs` ago. */
  pruneEvents(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

/** A protocol event as a run records it, before the log numbers it. */
/** A run's last events, written with its end (runs.finish) instead of by statements of their own. */
export interface RunEndEvents {
  /** Stream events not yet in the shared log (RunBus.appendEvents); a store without a shared log has none. */
  run?: StoredStreamEvent[];
  /**
   * Protocol events for the thread's log, its terminal lifecycle event last;
   * only to a store whose finishWritesThreadEvents() is true. Written only if
   * this finish ends the run (a retried finish whose first try committed
   * unseen writes nothing twice).
   */
  thread?: NewThreadEvent[];
}

export interface NewThreadEvent {
  method: string;
  /** The subscription channel (inferred once, at record time). */
  channel: string;
  namespace: string[];
  /** JSON text of the event's params: namespace, timestamp, node?, data. */
  params: string;
}

export interface ThreadEvent extends NewThreadEvent {
  /** Per thread, increasing across all of the thread's runs, from 1. */
  seq: number;
  run_id: string;
}

/**
 * A thread's protocol event history (streaming protocol v2): what SSE and
 * WebSocket clients replay and follow. Numbered per thread. Retention is the
 * backend's: bounded in memory, time-based on PostgreSQL.
 */
export interface ThreadEventLog {
  /** Appends in order; numbers them after the thread's last event. */
  append(threadId: string, runId: string, events: NewThreadEvent[]): Promise<void>;
  /** Events with seq > afterSeq, oldest first. */
  read(threadId: string, afterSeq: number, limit: number): Promise<ThreadEvent[]>;
  /** The seq of the thread's last event (0 when none), and of a run's first, if retained. */
  position(threadId: string, runId?: string): Promise<{ last: number; runStart?: number }>;
  /** Forgets old history (memory: a no-op, it is bounded on append). */
  prune(olderThanMs: number): Promise<void>;
  deleteThread(threadId: string): Promise<void>;
  /** Small batches cost this backend a round trip each: the recorder batches for this long. */
  readonly batchDelayMs: number;
}

export interface Persistence {
  readonly scheme: "memory" | "postgres" | "custom";
  readonly threadEvents: ThreadEventLog;
  /** Present when several processes may share the backend. */
  readonly bus?: RunBus;
  readonly metadata: MetadataStore;
  readonly crons: CronStore;
  readonly ttl: TtlStore;
  readonly checkpointer: BaseCheckpointSaver;
  readonly checkpoints: CheckpointAdmin;
  readonly store: BaseStore;
  /**
   * The backend's coded error for a failure of its own while serving (its
   * database unreachable: BackendUnavailableError), or undefined when the
   * error is not the backend's. Only the backend knows its driver's codes.
   */
  explainError?(error: unknown): HttpError | undefined;
  close(): Promise<void>;
}
