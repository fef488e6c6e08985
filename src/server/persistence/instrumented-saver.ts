// The one wrapper around the checkpoint saver, whichever backend or custom
// saver is in use. Three named hooks, always in this order for a write:
//
//   1. fence       a write of a fenced run (its checkpoints are being or were
//                  deleted) is dropped: nothing else happens for it;
//   2. invalidate  the thread's cached state is dropped before the write...
//   3. metadata    the run's metadata is merged into the checkpoint's;
//   4. (write)     the saver writes, tracked so a fence can wait for it;
//   5. invalidate  ...and again once it settled, so a read that raced the
//                  write cannot keep the old state.
//
// Why a fence: an aborted graph stops being read at once, but LangGraph may
// still be finishing (or have yet to start) a checkpoint write of that run in
// the background, and a write landing after a delete would bring the run back.
// Why metadata: history filters by metadata and rollback deletes by run_id,
// but LangGraph's savers store only what the graph loop passes.
//
// It patches the saver in place (once): graphs compiled by the user, and
// tests, hold the saver object itself.
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { mergeRunMetadata } from "./checkpoint-metadata.ts";

/** Drops cached state: of one thread, or of all (undefined). */
export type Invalidate = (threadId: string | undefined) => void;

export interface SaverInstrumentation {
  /**
   * Refuses every later checkpoint write of `runId` and resolves once the
   * writes already under way have settled; after it, deleting the run's
   * checkpoints is final.
   */
  fence(runId: string): Promise<void>;
  /** The cache invalidation hook (one per saver; the last set wins, undefined removes it). */
  setInvalidate(invalidate: Invalidate | undefined): void;
}

/**
 * A saver that holds a run's writes back to send them with its next
 * checkpoint (the PostgreSQL one: postgres/run-write-buffer.ts).
 */
export interface HoldsRunWrites {
  /** Sends what the run holds; resolves once it is written. */
  flushRunWrites(runId: string): Promise<void>;
  /** Forgets what the run holds, once a send under way has settled. */
  dropRunWrites(runId: string): Promise<void>;
}

const holdsRunWrites = (saver: BaseCheckpointSaver): saver is BaseCheckpointSaver & HoldsRunWrites =>
  typeof (saver as Partial<HoldsRunWrites>).flushRunWrites === "function" && typeof (saver as Partial<HoldsRunWrites>).dropRunWrites === "function";

const INSTRUMENTED = new WeakMap<BaseCheckpointSaver, SaverInstrumentation>();
/** Fenced runs are remembered up to this many, oldest forgotten first: their graphs are long gone. */
const MAX_FENCED = 10_000;

const configurableOf = (config: { configurable?: Record<string, unknown> }) => config.configurable;
const runIdOf = (config: { configurable?: Record<string, unknown> }) => {
  const id = configurableOf(config)?.run_id;
  return typeof id === "string" ? id : undefined;
};
const threadIdOf = (config: { configurable?: Record<string, unknown> }) => {
  const id = configurableOf(config)?.thread_id;
  return typeof id === "string" ? id : undefined;
};

/** Instruments `saver` (once; later calls return the same instrumentation). */
export function instrumentSaver(saver: BaseCheckpointSaver): SaverInstrumentation {
  const existing = INSTRUMENTED.get(saver);
  if (existing) return existing;

  const fenced = new Set<string>();
  const inFlight = new Map<string, Set<Promise<unknown>>>();
  let invalidate: Invalidate = () => {};

  const track = <T>(runId: string | undefined, promise: Promise<T>): Promise<T> => {
    if (runId === undefined) return promise;
    let pending = inFlight.get(runId);
    if (!pending) inFlight.set(runId, (pending = new Set()));
    pending.add(promise);
    const forget = () => {
      pending.delete(promise);
      if (pending.size === 0 && inFlight.get(runId) === pending) inFlight.delete(runId);
    };
    promise.then(forget, forget);
    return promise;
  };

  /** Steps 2, 4 and 5 around one write. */
  const write = <T>(threadId: string | undefined, runId: string | undefined, start: () => Promise<T>): Promise<T> => {
    invalidate(threadId);
    return track(runId, start()).finally(() => invalidate(threadId));
  };

  const put = saver.put.bind(saver);
  saver.put = (config, checkpoint, metadata, newVersions) => {
    const runId = runIdOf(config);
    if (runId !== undefined && fenced.has(runId)) {
      return Promise.resolve({ configurable: { ...config.configurable, checkpoint_id: checkpoint.id } });
    }
    return write(threadIdOf(config), runId, () => put(config, checkpoint, mergeRunMetadata(config, metadata), newVersions));
  };

  const putWrites = saver.putWrites.bind(saver);
  saver.putWrites = (config, writes, taskId) => {
    const runId = runIdOf(config);
    if (runId !== undefined && fenced.has(runId)) return Promise.resolve();
    return write(threadIdOf(config), runId, () => putWrites(config, writes, taskId));
  };

  const deleteThread = saver.deleteThread.bind(saver);
  saver.deleteThread = (threadId) => {
    invalidate(threadId);
    return deleteThread(threadId).finally(() => invalidate(threadId));
  };

  const instrumentation: SaverInstrumentation = {
    async fence(runId) {
      fenced.add(runId);
      if (fenced.size > MAX_FENCED) fenced.delete(fenced.values().next().value as string);
      await Promise.allSettled([...(inFlight.get(runId) ?? [])]);
      if (holdsRunWrites(saver)) await saver.dropRunWrites(runId);
    },
    setInvalidate(hook) {
      invalidate = hook ?? (() => {});
    },
  };
  INSTRUMENTED.set(saver, instrumentation);
  return instrumentation;
}

/** Fences a run's writes on an instrumented saver; resolves at once on any other. */
export async function fenceRunWrites(saver: BaseCheckpointSaver, runId: string): Promise<void> {
  await INSTRUMENTED.get(saver)?.fence(runId);
}

/**
 * Writes what the saver still holds of a run (see HoldsRunWrites): called
 * before the run's end is committed, so the end's flush covers them.
 */
export async function flushRunWrites(saver: BaseCheckpointSaver, runId: string): Promise<void> {
  if (holdsRunWrites(saver)) await saver.flushRunWrites(runId);
}
