// The cron contract: schedules and their firings, behind one interface with
// a memory and a PostgreSQL backend that pass the same contract tests
// (test/server/persistence/cron-contract.ts). A firing is claimed in the
// store, so on a shared database each due time fires exactly once.
import type { JsonObject, Page, SortOrder } from "./types.ts";

export type OnRunCompleted = "delete" | "keep";

/** A cron as the API returns it (the SDK's Cron). */
export interface Cron {
  cron_id: string;
  assistant_id: string;
  /** Set for thread crons; null for stateless crons (a new thread per firing). */
  thread_id: string | null;
  user_id: string | null;
  schedule: string;
  timezone: string | null;
  end_time: string | null;
  /** The run each firing creates: input, config, context, interrupts, multitask strategy, webhook… */
  payload: JsonObject;
  metadata: JsonObject;
  enabled: boolean;
  /** Stateless crons only: whether a firing's thread outlives its run. */
  on_run_completed: OnRunCompleted | null;
  /** The due time the scheduler fires next; null once past end_time. */
  next_run_date: string | null;
  created_at: string;
  updated_at: string;
}

export type CronPatch = Partial<
  Pick<Cron, "schedule" | "timezone" | "end_time" | "payload" | "metadata" | "enabled" | "on_run_completed" | "next_run_date">
>;

export interface CronFilter {
  assistant_id?: string;
  thread_id?: string;
  enabled?: boolean;
  metadata?: JsonObject; // containment
  /** Custom auth's filter as a containment document on the metadata (filterToContainment). */
  authFilter?: JsonObject;
}

export const CRON_SORT_FIELDS = ["cron_id", "assistant_id", "thread_id", "created_at", "updated_at", "next_run_date"] as const;
export type CronSortBy = (typeof CRON_SORT_FIELDS)[number];

export interface CronSearch extends CronFilter, Page {
  sort_by?: CronSortBy;
  sort_order?: SortOrder;
}

export type FiringStatus = "claimed" | "started" | "failed";

/** One due time of one cron, and what became of it. */
export interface CronFiring {
  cron_id: string;
  /** The schedule's due time this firing stands for. */
  due_at: string;
  status: FiringStatus;
  run_id: string | null;
  thread_id: string | null;
  /** Why the firing could not start a run. */
  error: string | null;
  claimed_by: string;
  claimed_at: string;
}

export interface ClaimedFiring {
  cron: Cron;
  firing: CronFiring;
}

export interface FiringOutcome {
  status: Exclude<FiringStatus, "claimed">;
  run_id?: string | null;
  thread_id?: string | null;
  error?: string | null;
}

export interface CronStore {
  create(cron: Cron): Promise<Cron>;
  get(cronId: string): Promise<Cron | undefined>;
  /** Shallow-replaces the given fields and bumps updated_at. */
  update(cronId: string, patch: CronPatch): Promise<Cron | undefined>;
  /** Deletes the cron and its firings. */
  delete(cronId: string): Promise<boolean>;
  search(query: CronSearch): Promise<Cron[]>;
  count(filter: CronFilter): Promise<number>;
  /**
   * Claims up to `limit` due firings: for each enabled cron whose
   * next_run_date <= now, records a firing for that due time and moves
   * next_run_date to `next(cron)`. Atomic per cron across processes: a due
   * time is returned to exactly one caller.
   */
  claimDue(now: Date, workerId: string, limit: number, next: (cron: Cron) => Date | null): Promise<ClaimedFiring[]>;
  /** Records how a claimed firing ended. Only from "claimed": false if already settled. */
  settleFiring(cronId: string, dueAt: string, outcome: FiringOutcome): Promise<boolean>;
  /** Firings still "claimed" since before `claimedBefore` (their claimer died), oldest first. */
  staleFirings(claimedBefore: Date, limit: number): Promise<ClaimedFiring[]>;
  /** The cron's latest firings, newest first. */
  firings(cronId: string, limit: number): Promise<CronFiring[]>;
  truncate(): Promise<void>;
}
