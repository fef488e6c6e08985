// Every checkpoint records the run that wrote it: the run's metadata and the
// public configurable keys (run_id, graph_id, assistant_id, user metadata).
// History filters by metadata and multitask rollback deletes by run_id rely
// on it. LangGraph's savers store only what the graph loop passes, so we
// merge it in at put(), for whichever saver is in use.
//
// The same wrapper fences a run's writes before its checkpoints are deleted
// (multitask rollback, run and thread delete): an aborted graph stops
// reading, but LangGraph may still be finishing (or have yet to start) a
// checkpoint write of that run in the background, and a write landing after
// the delete would bring the run back into the thread's state.
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

const EXCLUDED = new Set(["checkpoint_ns", "checkpoint_id", "run_id", "thread_id"]);
const PATCHED = Symbol.for("skeino.checkpointMetadata");

const isPrimitive = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

interface RunWrites {
  /** Runs whose writes are refused from now on (their checkpoints are deleted). Oldest first, bounded. */
  fenced: Set<string>;
  inFlight: Map<string, Set<Promise<unknown>>>;
}
const FENCES = new WeakMap<BaseCheckpointSaver, RunWrites>();
const MAX_FENCED = 10_000;

const runIdOf = (config: { configurable?: Record<string, unknown> }) => {
  const id = config.configurable?.run_id;
  return typeof id === "string" ? id : undefined;
};

function track<T>(writes: RunWrites, runId: string | undefined, promise: Promise<T>): Promise<T> {
  if (runId === undefined) return promise;
  let pending = writes.inFlight.get(runId);
  if (!pending) writes.inFlight.set(runId, (pending = new Set()));
  pending.add(promise);
  const forget = () => {
    pending.delete(promise);
    if (pending.size === 0 && writes.inFlight.get(runId) === pending) writes.inFlight.delete(runId);
  };
  promise.then(forget, forget);
  return promise;
}

/**
 * Refuses every later checkpoint write of `runId` on this saver and resolves
 * once the writes already under way have settled; after it, deleting the
 * run's checkpoints is final.
 */
export async function fenceRunWrites(saver: BaseCheckpointSaver, runId: string): Promise<void> {
  const writes = FENCES.get(saver);
  if (!writes) return;
  writes.fenced.add(runId);
  if (writes.fenced.size > MAX_FENCED) writes.fenced.delete(writes.fenced.values().next().value as string);
  await Promise.allSettled([...(writes.inFlight.get(runId) ?? [])]);
}

export function recordRunMetadata(saver: BaseCheckpointSaver): BaseCheckpointSaver {
  const target = saver as BaseCheckpointSaver & { [PATCHED]?: boolean };
  if (target[PATCHED]) return saver;
  target[PATCHED] = true;
  const writes: RunWrites = { fenced: new Set(), inFlight: new Map() };
  FENCES.set(saver, writes);
  const putWrites = saver.putWrites.bind(saver);
  saver.putWrites = (config, pendingWrites, taskId) => {
    const runId = runIdOf(config);
    if (runId !== undefined && writes.fenced.has(runId)) return Promise.resolve();
    return track(writes, runId, putWrites(config, pendingWrites, taskId));
  };
  const put = saver.put.bind(saver);
  saver.put = (config, checkpoint, metadata, newVersions) => {
    const runId = runIdOf(config);
    // A fenced run's checkpoint is dropped; the graph that wrote it is gone.
    if (runId !== undefined && writes.fenced.has(runId)) {
      return Promise.resolve({ configurable: { ...config.configurable, checkpoint_id: checkpoint.id } });
    }
    // Plain loops: this runs for every checkpoint of every run.
    const merged: Record<string, unknown> = {};
    const configurable = config.configurable;
    if (configurable) {
      for (const k in configurable) {
        const v: unknown = configurable[k];
        if (isPrimitive(v) && !k.startsWith("__") && !EXCLUDED.has(k)) merged[k] = v;
      }
    }
    const runMetadata = config.metadata as Record<string, unknown> | undefined;
    if (runMetadata) {
      for (const k in runMetadata) {
        const v = runMetadata[k];
        if ((isPrimitive(v) || (typeof v === "object" && v !== null)) && !k.startsWith("__")) merged[k] = v;
      }
    }
    for (const k in metadata) merged[k] = (metadata as Record<string, unknown>)[k];
    return track(writes, runId, put(config, checkpoint, merged as typeof metadata, newVersions));
  };
  return saver;
}
