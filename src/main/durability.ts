// verifyDurability: snapshot every thread through the public API (state
// checkpoint id + values + history head), restart the server (graceful or
// kill), wait for a new boot_id, read everything again and say per thread
// whether it survived, changed or was lost. Plain Node; the comparison is a
// pure function so it can be tested without a server.
import { Client } from "@langchain/langgraph-sdk";
import type { DurabilityPhase, DurabilityReport, DurabilityVerdict, RestartMode, ThreadComparison, ThreadOutcome } from "../shared/host-api.ts";

export interface ThreadSnapshot {
  threadId: string;
  checkpointId: string | null;
  historyHead: string | null;
  /** JSON of the state values, compared textually after key sorting. */
  valuesJson: string;
}

export interface DurabilityTarget {
  /** Current server URL and boot id (after ready). */
  current(): { url: string | null; bootId: string | null; scheme: string | null };
  /** Restart the server and resolve when the new process is ready. */
  restart(mode: RestartMode): Promise<{ url: string | null; bootId: string | null; scheme: string | null }>;
  /** Headers the server needs (a project with custom auth: the Studio's credential). */
  headers?(): Record<string, string>;
}

export type ProgressListener = (phase: DurabilityPhase, done: number, total: number, message: string) => void;

const PAGE = 100;
const CONCURRENCY = 8;

/** Stable JSON: object keys sorted, so equal values compare equal whatever the key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

async function listThreadIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await client.threads.search({ limit: PAGE, offset, select: ["thread_id"] });
    ids.push(...page.map((t) => t.thread_id));
    if (page.length < PAGE) return ids;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { status?: number; message?: string };
  return e?.status === 404 || /\b404\b|not found/i.test(e?.message ?? "");
}

/** Read one thread; null when the server no longer knows it. */
export async function snapshotThread(client: Client, threadId: string): Promise<ThreadSnapshot | null> {
  try {
    const [state, history] = await Promise.all([client.threads.getState(threadId), client.threads.getHistory(threadId, { limit: 1 })]);
    return {
      threadId,
      checkpointId: state.checkpoint?.checkpoint_id ?? null,
      historyHead: history[0]?.checkpoint?.checkpoint_id ?? null,
      valuesJson: stableJson(state.values ?? null),
    };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function snapshotAll(client: Client, onProgress?: (done: number, total: number) => void): Promise<ThreadSnapshot[]> {
  const ids = await listThreadIds(client);
  let done = 0;
  const snaps = await mapLimit(ids, CONCURRENCY, async (id) => {
    const s = await snapshotThread(client, id);
    onProgress?.(++done, ids.length);
    return s;
  });
  return snaps.filter((s): s is ThreadSnapshot => s !== null);
}

/** Compare one thread before and after. `after` null = the thread is gone. */
export function compareThread(before: ThreadSnapshot, after: ThreadSnapshot | null): ThreadComparison {
  const base = {
    threadId: before.threadId,
    checkpointBefore: before.checkpointId,
    historyHeadBefore: before.historyHead,
  };
  if (!after) {
    return { ...base, outcome: "lost", checkpointAfter: null, historyHeadAfter: null, detail: "thread not found after restart" };
  }
  const common = { ...base, checkpointAfter: after.checkpointId, historyHeadAfter: after.historyHead };
  if (before.checkpointId !== null && after.checkpointId === null) {
    return { ...common, outcome: "lost", detail: "the thread exists but its checkpoints are gone" };
  }
  const diffs: string[] = [];
  if (before.checkpointId !== after.checkpointId) diffs.push("checkpoint id differs");
  if (before.historyHead !== after.historyHead) diffs.push("history head differs");
  if (before.valuesJson !== after.valuesJson) diffs.push("state values differ");
  if (diffs.length > 0) return { ...common, outcome: "changed", detail: diffs.join("; ") };
  return { ...common, outcome: "survived" };
}

export function compareSnapshots(before: ThreadSnapshot[], after: ThreadSnapshot[]): ThreadComparison[] {
  const byId = new Map(after.map((s) => [s.threadId, s]));
  return before.map((b) => compareThread(b, byId.get(b.threadId) ?? null));
}

export function summarize(
  comparisons: ThreadComparison[],
  mode: RestartMode,
  scheme: string | null,
): { verdict: DurabilityVerdict; summary: string; explanation?: string; counts: Record<ThreadOutcome, number> } {
  const counts: Record<ThreadOutcome, number> = { survived: 0, changed: 0, lost: 0 };
  for (const c of comparisons) counts[c.outcome]++;
  const n = comparisons.length;
  const restart = mode === "kill" ? "a kill (SIGKILL) restart" : "a graceful restart";
  const memoryWhy =
    "The server runs with in-memory persistence: threads and checkpoints live in the server process and " +
    'disappear when it exits, so "lost" is the expected result. To keep them, open Settings and choose ' +
    "PostgreSQL (your own database) or Local PostgreSQL (managed by the Studio), then Save and restart.";
  if (n === 0) {
    return {
      verdict: "no-threads",
      summary: `No threads to check; create a thread and run a graph first.`,
      explanation: scheme === "memory" ? memoryWhy : undefined,
      counts,
    };
  }
  const plural = (k: number) => `${k} thread${k === 1 ? "" : "s"}`;
  if (counts.survived === n) {
    return { verdict: "survived", summary: `All ${plural(n)} survived ${restart}.`, counts };
  }
  if (counts.lost === n) {
    return {
      verdict: "lost",
      summary: `All ${plural(n)} were lost after ${restart}.`,
      explanation:
        scheme === "memory" ? memoryWhy : "The server reports durable persistence, yet nothing came back: check that it points at the same database.",
      counts,
    };
  }
  return {
    verdict: "partial",
    summary: `${counts.survived} survived, ${counts.changed} changed, ${counts.lost} lost of ${plural(n)} after ${restart}.`,
    explanation:
      counts.changed > 0
        ? '"Changed" threads came back with a different checkpoint or values: a run may have been in flight, or was settled on boot.'
        : scheme === "memory"
          ? memoryWhy
          : undefined,
    counts,
  };
}

/** The whole probe: snapshot -> restart -> wait for a new boot id -> compare. */
export async function verifyDurability(
  target: DurabilityTarget,
  mode: RestartMode,
  onProgress: ProgressListener = () => undefined,
): Promise<DurabilityReport> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const before = target.current();
  const base = { mode, startedAt, bootIdBefore: before.bootId };
  const failed = (error: string, scheme: string | null): DurabilityReport => ({
    ...base,
    scheme,
    verdict: "failed",
    summary: `Verification failed: ${error}`,
    error,
    bootIdAfter: null,
    counts: { survived: 0, changed: 0, lost: 0 },
    threads: [],
    timings: { snapshotMs: 0, restartMs: 0, compareMs: 0, totalMs: Math.round(performance.now() - t0) },
  });
  if (!before.url) return failed("the server is not running", before.scheme);

  onProgress("snapshot", 0, 0, "Reading every thread's state and history head");
  let snaps: ThreadSnapshot[];
  try {
    snaps = await snapshotAll(new Client({ apiUrl: before.url, defaultHeaders: target.headers?.() }), (d, t) =>
      onProgress("snapshot", d, t, `Snapshot ${d} of ${t} threads`),
    );
  } catch (err) {
    return failed(`snapshot: ${err instanceof Error ? err.message : String(err)}`, before.scheme);
  }
  const t1 = performance.now();

  onProgress(
    "restart",
    0,
    1,
    mode === "kill" ? "Killing the server (SIGKILL) and starting it again" : "Stopping the server gracefully and starting it again",
  );
  let after: { url: string | null; bootId: string | null; scheme: string | null };
  try {
    after = await target.restart(mode);
  } catch (err) {
    return failed(`restart: ${err instanceof Error ? err.message : String(err)}`, before.scheme);
  }
  if (!after.url) return failed("the server did not come back", before.scheme);
  if (after.bootId !== null && after.bootId === before.bootId) {
    return failed("the server reported the same boot_id: it did not restart", after.scheme);
  }
  const t2 = performance.now();

  onProgress("compare", 0, snaps.length, "Reading the threads again");
  const client = new Client({ apiUrl: after.url, defaultHeaders: target.headers?.() });
  let done = 0;
  let afterSnaps: (ThreadSnapshot | null)[];
  try {
    afterSnaps = await mapLimit(snaps, CONCURRENCY, async (s) => {
      const r = await snapshotThread(client, s.threadId);
      onProgress("compare", ++done, snaps.length, `Compared ${done} of ${snaps.length} threads`);
      return r;
    });
  } catch (err) {
    return failed(`compare: ${err instanceof Error ? err.message : String(err)}`, after.scheme);
  }
  const comparisons = compareSnapshots(
    snaps,
    afterSnaps.filter((s): s is ThreadSnapshot => s !== null),
  );
  const t3 = performance.now();
  const verdict = summarize(comparisons, mode, after.scheme);
  onProgress("done", snaps.length, snaps.length, verdict.summary);
  return {
    ...base,
    scheme: after.scheme,
    ...verdict,
    bootIdAfter: after.bootId,
    threads: comparisons,
    timings: {
      snapshotMs: Math.round(t1 - t0),
      restartMs: Math.round(t2 - t1),
      compareMs: Math.round(t3 - t2),
      totalMs: Math.round(t3 - t0),
    },
  };
}
