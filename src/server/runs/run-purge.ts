// Deleting a run for good: DELETE of a run, multitask rollback (of a running
// run when it ends, of a pending one at once). Every path goes through here so
// none forgets the write fence: an aborted graph stops being read at once, but
// LangGraph may still be finishing (or be about to start) a checkpoint write
// of that run, and a write landing after the delete would bring the run back
// into the thread's state.
import { fenceRunWrites } from "../persistence/instrumented-saver.ts";
import type { Persistence } from "../persistence/types.ts";

/**
 * Fences the run's writes, then deletes its checkpoints and its record.
 * The fence comes first, so the order of the two deletes is free: a worker
 * that claims the run in between can no longer write for it.
 */
export async function purgeRun(persistence: Persistence, threadId: string, runId: string): Promise<void> {
  await fenceRunWrites(persistence.checkpointer, runId);
  await persistence.checkpoints.deleteRun(threadId, runId);
  await persistence.metadata.runs.delete(runId);
}
