// One firing of a cron: the run it starts, as the cron's owner, with ids
// derived from the cron and its due time, and the firing's recorded outcome.
import { uuid5 } from "@langchain/langgraph-checkpoint";
import type { AuthContext, AuthUser } from "../auth/types.ts";
import { HttpError } from "../errors.ts";
import type { Cron, CronFiring, CronStore } from "../persistence/cron-store.ts";
import type { JsonObject, MetadataStore } from "../persistence/types.ts";
import type { RunCreateBody, RunService } from "../runs/run-service.ts";

// Firing ids are derived from the cron and its due time, so a firing retried
// by another process after its claimer died cannot start a second run.
const FIRING_NAMESPACE = "5f0d6d8e-7c55-4b8e-9a3e-2f6a3b1c0d17";
export const firingRunId = (cronId: string, dueAt: string) => uuid5(`run:${cronId}:${new Date(dueAt).toISOString()}`, FIRING_NAMESPACE);
export const firingThreadId = (cronId: string, dueAt: string) => uuid5(`thread:${cronId}:${new Date(dueAt).toISOString()}`, FIRING_NAMESPACE);

/**
 * The identity a firing runs as: the cron's owner. Only the id outlives the
 * request that created the cron (the `user_id` column), so the user the
 * graph sees carries that identity and no permissions.
 */
function ownerContext(userId: string | null): AuthContext | undefined {
  if (userId === null) return undefined;
  const user: AuthUser = { identity: userId, display_name: userId, permissions: [], is_authenticated: true };
  return { user, scopes: [] };
}

export interface CronFiringDeps {
  store: CronStore;
  metadata: MetadataStore;
  runs: RunService;
}

/**
 * Starts the run of one claimed firing and records the outcome. A firing
 * that cannot start (busy thread with "reject", assistant or thread gone)
 * is recorded as failed with the reason; it is not retried.
 */
export async function startFiring({ store, metadata, runs }: CronFiringDeps, cron: Cron, firing: CronFiring): Promise<CronFiring["status"]> {
  const runId = firingRunId(cron.cron_id, firing.due_at);
  const statelessThreadId = firingThreadId(cron.cron_id, firing.due_at);
  const payload = cron.payload;
  const body: RunCreateBody = {
    ...(payload as Omit<RunCreateBody, "assistant_id">),
    assistant_id: cron.assistant_id,
    metadata: { ...((payload.metadata as JsonObject | undefined) ?? {}), cron_id: cron.cron_id, cron_due_at: firing.due_at },
    on_completion: cron.thread_id === null ? (cron.on_run_completed ?? "delete") : undefined,
  };
  try {
    // The run acts as the cron's owner (langgraph_auth_user_id in its config).
    const run = await runs.create(
      cron.thread_id ?? undefined,
      body,
      {},
      { runId, statelessThreadId, caller: { context: ownerContext(cron.user_id) } },
    );
    await store.settleFiring(cron.cron_id, firing.due_at, { status: "started", run_id: run.run_id, thread_id: run.thread_id });
    return "started";
  } catch (error) {
    // Another process may have started this very firing (a retried claim): its run is the proof.
    const existing = await metadata.runs.get(runId).catch(() => undefined);
    if (existing) {
      await store.settleFiring(cron.cron_id, firing.due_at, { status: "started", run_id: runId, thread_id: existing.thread_id });
      return "started";
    }
    const reason = error instanceof HttpError ? `${error.status}: ${error.message}` : error instanceof Error ? error.message : String(error);
    await store.settleFiring(cron.cron_id, firing.due_at, { status: "failed", error: reason, thread_id: cron.thread_id });
    // A thread cron whose thread is gone can never fire again: pause it rather than fail every tick.
    if (cron.thread_id !== null && !(await metadata.threads.get(cron.thread_id))) await store.update(cron.cron_id, { enabled: false });
    return "failed";
  }
}
