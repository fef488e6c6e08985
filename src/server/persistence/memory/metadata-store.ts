/* eslint-disable max-lines -- Over 300 lines on purpose: assistants, threads and runs share the maps and the invariants that join them (cascade on delete, a busy thread, FIFO claims), kept in one class as PostgreSQL keeps them in one schema. */
// The memory backend of MetadataStore: plain maps, same semantics as the
// Postgres tables (containment filters, FIFO claiming, guarded finish).
// Stored records are replaced, never mutated in place, so returning them
// without a copy is safe.
import type {
  Assistant,
  AssistantCreate,
  AssistantFilter,
  AssistantPatch,
  AssistantSearch,
  AssistantVersion,
  MetadataStore,
  Page,
  Run,
  RunListOptions,
  RunOutcome,
  Thread,
  ThreadCreate,
  ThreadFilter,
  ThreadSearch,
  ThreadUpdate,
} from "../types.ts";
import { compileContainment, jsonContains } from "../json-containment.ts";
import { conflict, threadBusy, threadNotFound } from "../../errors.ts";
import { matchesContainment } from "../../auth/filter.ts";

const now = () => new Date().toISOString();

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  return (a as string) < (b as string) ? -1 : 1;
}

function sortPage<T extends object>(items: T[], key: keyof T, order: "asc" | "desc", page: Page, seq: (t: T) => number): T[] {
  const dir = order === "asc" ? 1 : -1;
  const decorated = items.map((item) => ({ item, k: item[key], s: seq(item) }));
  decorated.sort((x, y) => dir * (compare(x.k, y.k) || x.s - y.s));
  return decorated.slice(page.offset, page.offset + page.limit).map((d) => d.item);
}

export class MemoryMetadataStore implements MetadataStore {
  private assistantMap = new Map<string, Assistant>();
  private versionMap = new Map<string, AssistantVersion[]>();
  private threadMap = new Map<string, Thread>();
  private runMap = new Map<string, Run>();
  // Run ids per thread, in creation order: per-thread lookups must not scan
  // every run the server has ever held.
  private runsByThread = new Map<string, Set<string>>();
  private pending = new Set<string>(); // run ids, insertion order
  private runningByThread = new Map<string, string>();
  private seqs = new WeakMap<object, number>();
  private seqCounter = 0;

  private stamp<T extends object>(value: T, seqOf?: object): T {
    this.seqs.set(value, seqOf ? (this.seqs.get(seqOf) ?? ++this.seqCounter) : ++this.seqCounter);
    return value;
  }
  private seq = (value: object) => this.seqs.get(value) ?? 0;

  readonly assistants: MetadataStore["assistants"] = {
    create: async (input: AssistantCreate) => {
      const existing = this.assistantMap.get(input.assistant_id);
      if (existing) {
        if (input.if_exists === "do_nothing") return existing;
        throw conflict("Assistant already exists");
      }
      const at = now();
      const assistant: Assistant = this.stamp({
        assistant_id: input.assistant_id,
        graph_id: input.graph_id,
        config: input.config ?? {},
        context: input.context ?? {},
        metadata: input.metadata ?? {},
        name: input.name ?? input.graph_id,
        description: input.description ?? null,
        version: 1,
        created_at: at,
        updated_at: at,
      });
      this.assistantMap.set(assistant.assistant_id, assistant);
      const { updated_at: _u, ...version } = assistant;
      this.versionMap.set(assistant.assistant_id, [version]);
      return assistant;
    },
    get: async (id) => this.assistantMap.get(id),
    patch: async (id, patch: AssistantPatch) => {
      const current = this.assistantMap.get(id);
      if (!current) return undefined;
      const versions = this.versionMap.get(id) ?? [];
      const nextVersion = Math.max(current.version, ...versions.map((v) => v.version)) + 1;
      const at = now();
      const next: Assistant = this.stamp(
        {
          ...current,
          graph_id: patch.graph_id ?? current.graph_id,
          config: patch.config ?? current.config,
          context: patch.context ?? current.context,
          metadata: patch.metadata ? { ...current.metadata, ...patch.metadata } : current.metadata,
          name: patch.name ?? current.name,
          description: patch.description !== undefined ? patch.description : current.description,
          version: nextVersion,
          updated_at: at,
        },
        current,
      );
      this.assistantMap.set(id, next);
      const { updated_at: _u, ...version } = next;
      this.versionMap.set(id, [...versions, { ...version, created_at: at }]);
      return next;
    },
    delete: async (id) => {
      if (!this.assistantMap.delete(id)) return false;
      this.versionMap.delete(id);
      for (const run of this.runMap.values()) if (run.assistant_id === id) this.dropRun(run.run_id);
      return true;
    },
    search: async (query: AssistantSearch) => {
      const matched = [...this.assistantMap.values()].filter((a) => this.assistantMatches(a, query));
      return {
        items: sortPage(matched, query.sort_by ?? "created_at", query.sort_order ?? "desc", query, this.seq),
        total: matched.length,
      };
    },
    count: async (filter) => [...this.assistantMap.values()].filter((a) => this.assistantMatches(a, filter)).length,
    versions: async (id, query) => {
      const versions = (this.versionMap.get(id) ?? []).filter(
        (v) =>
          (!query.metadata || jsonContains(v.metadata, query.metadata)) && (!query.authFilter || matchesContainment(v.metadata, query.authFilter)),
      );
      return [...versions].sort((a, b) => b.version - a.version).slice(query.offset, query.offset + query.limit);
    },
    setLatest: async (id, version) => {
      const current = this.assistantMap.get(id);
      if (!current) return "no-assistant";
      const found = (this.versionMap.get(id) ?? []).find((v) => v.version === version);
      if (!found) return "no-version";
      const next: Assistant = this.stamp(
        {
          ...current,
          config: found.config,
          context: found.context,
          metadata: found.metadata,
          name: found.name,
          description: found.description,
          graph_id: found.graph_id,
          version: found.version,
          updated_at: now(),
        },
        current,
      );
      this.assistantMap.set(id, next);
      return next;
    },
    truncateUserAssistants: async () => {
      for (const [id, a] of this.assistantMap) {
        if (a.metadata.created_by !== "system") {
          this.assistantMap.delete(id);
          this.versionMap.delete(id);
        }
      }
    },
  };

  private assistantMatches(a: Assistant, f: AssistantFilter): boolean {
    if (f.graph_id !== undefined && a.graph_id !== f.graph_id) return false;
    if (f.name !== undefined && !a.name.toLowerCase().includes(f.name.toLowerCase())) return false;
    if (f.metadata && !jsonContains(a.metadata, f.metadata)) return false;
    if (f.authFilter && !matchesContainment(a.metadata, f.authFilter)) return false;
    return true;
  }

  async assistantAndThread(assistantId: string, threadId: string): Promise<{ assistant?: Assistant; thread?: Thread }> {
    return { assistant: await this.assistants.get(assistantId), thread: await this.threads.get(threadId) };
  }

  readonly threads: MetadataStore["threads"] = {
    create: async (input: ThreadCreate) => {
      if (this.threadMap.has(input.thread_id)) return "exists";
      const at = now();
      const thread: Thread = this.stamp({
        thread_id: input.thread_id,
        created_at: at,
        updated_at: at,
        metadata: input.metadata ?? {},
        status: "idle",
        config: {},
      });
      this.threadMap.set(thread.thread_id, thread);
      return thread;
    },
    get: async (id) => this.threadMap.get(id),
    update: async (id, update: ThreadUpdate) => {
      const current = this.threadMap.get(id);
      if (!current) return undefined;
      // Assigned field by field: every run updates its thread twice.
      const fields: Thread = { ...current, updated_at: now() };
      if (update.status !== undefined) fields.status = update.status;
      if (update.metadata !== undefined) fields.metadata = { ...current.metadata, ...update.metadata };
      if ("values" in update) fields.values = update.values;
      if ("interrupts" in update) fields.interrupts = update.interrupts;
      if (update.config !== undefined) fields.config = update.config;
      if ("error" in update) fields.error = update.error;
      const next: Thread = this.stamp(fields, current);
      this.threadMap.set(id, next);
      return next;
    },
    delete: async (id) => {
      if (!this.threadMap.delete(id)) return false;
      for (const runId of [...(this.runsByThread.get(id) ?? [])]) this.dropRun(runId);
      return true;
    },
    search: async (query: ThreadSearch) => {
      const matched = this.filterThreads(query);
      return {
        items: sortPage(matched, query.sort_by ?? "created_at", query.sort_order ?? "desc", query, this.seq),
        total: matched.length,
      };
    },
    count: async (filter) => this.filterThreads(filter).length,
    truncate: async () => {
      this.threadMap.clear();
      this.runMap.clear();
      this.runsByThread.clear();
      this.pending.clear();
      this.runningByThread.clear();
    },
  };

  private filterThreads(f: ThreadFilter): Thread[] {
    const source: Iterable<Thread> = f.ids ? f.ids.map((id) => this.threadMap.get(id)).filter((t): t is Thread => !!t) : this.threadMap.values();
    const metadataMatches = f.metadata ? compileContainment(f.metadata) : undefined;
    const valuesMatch = f.values ? compileContainment(f.values) : undefined;
    const authFilter = f.authFilter;
    const authMatches = authFilter ? (metadata: Thread["metadata"]) => matchesContainment(metadata, authFilter) : undefined;
    const out: Thread[] = [];
    for (const t of source) {
      if (f.status !== undefined && t.status !== f.status) continue;
      if (metadataMatches && !metadataMatches(t.metadata)) continue;
      if (authMatches && !authMatches(t.metadata)) continue;
      if (valuesMatch && t.values != null && !valuesMatch(t.values)) continue;
      out.push(t);
    }
    return out;
  }

  private dropRun(runId: string): void {
    const run = this.runMap.get(runId);
    if (!run) return;
    this.runMap.delete(runId);
    const ofThread = this.runsByThread.get(run.thread_id);
    ofThread?.delete(runId);
    if (ofThread?.size === 0) this.runsByThread.delete(run.thread_id);
    this.pending.delete(runId);
    if (this.runningByThread.get(run.thread_id) === runId) this.runningByThread.delete(run.thread_id);
  }

  private setRun(run: Run): void {
    this.runMap.set(run.run_id, run);
    let ofThread = this.runsByThread.get(run.thread_id);
    if (!ofThread) this.runsByThread.set(run.thread_id, (ofThread = new Set()));
    ofThread.add(run.run_id);
  }

  private runsOf(threadId: string, keep: (run: Run) => boolean): Run[] {
    const out: Run[] = [];
    for (const runId of this.runsByThread.get(threadId) ?? []) {
      const run = this.runMap.get(runId);
      if (run && keep(run)) out.push(run);
    }
    return out;
  }

  readonly runs: MetadataStore["runs"] = {
    create: async (run: Run, thread?: ThreadUpdate, options?: { ifIdle?: boolean }) => {
      if (options?.ifIdle) {
        const current = this.threadMap.get(run.thread_id);
        if (!current) throw threadNotFound(run.thread_id);
        if (current.status === "busy") throw threadBusy();
        // A thread left interrupted or in error may still have runs queued.
        if (this.runsOf(run.thread_id, (r) => r.status === "pending" || r.status === "running").length > 0) throw threadBusy();
      }
      if (thread && !(await this.threads.update(run.thread_id, thread))) throw threadNotFound(run.thread_id);
      const stored = this.stamp({ ...run });
      this.setRun(stored);
      if (stored.status === "pending") this.pending.add(stored.run_id);
      return stored;
    },
    get: async (runId, threadId) => {
      const run = this.runMap.get(runId);
      if (!run || (threadId !== undefined && run.thread_id !== threadId)) return undefined;
      return run;
    },
    list: async (threadId, options: RunListOptions) => {
      const runs = this.runsOf(threadId, (r) => options.status === undefined || r.status === options.status);
      runs.sort((a, b) => compare(b.created_at, a.created_at) || this.seq(b) - this.seq(a));
      return runs.slice(options.offset, options.offset + options.limit);
    },
    active: async (threadId) => {
      const runs = this.runsOf(threadId, (r) => r.status === "pending" || r.status === "running");
      return runs.sort((a, b) => compare(a.created_at, b.created_at) || this.seq(a) - this.seq(b));
    },
    delete: async (runId) => {
      if (!this.runMap.has(runId)) return false;
      this.dropRun(runId);
      return true;
    },
    claimNext: async () => {
      const due = now();
      let best: Run | undefined;
      for (const runId of this.pending) {
        const run = this.runMap.get(runId);
        if (!run) continue;
        if (run.created_at > due || this.runningByThread.has(run.thread_id)) continue;
        if (!best || compare(run.created_at, best.created_at) < 0) best = run;
      }
      if (!best) return undefined;
      // FIFO per thread: an older pending run of the same thread goes first.
      for (const runId of this.pending) {
        const run = this.runMap.get(runId);
        if (run && run.thread_id === best.thread_id && run.created_at <= due && compare(run.created_at, best.created_at) < 0) best = run;
      }
      const claimed: Run = this.stamp({ ...best, status: "running", updated_at: now() }, best);
      this.setRun(claimed);
      this.pending.delete(claimed.run_id);
      this.runningByThread.set(claimed.thread_id, claimed.run_id);
      const thread = this.threadMap.get(claimed.thread_id);
      if (thread && thread.status !== "busy") await this.threads.update(thread.thread_id, { status: "busy" });
      return claimed;
    },
    finish: async (runId, status: RunOutcome, thread) => {
      if (thread) {
        const queued =
          thread.update.status === "idle" &&
          this.runsOf(thread.threadId, (r) => r.run_id !== runId && (r.status === "pending" || r.status === "running")).length > 0;
        await this.threads.update(thread.threadId, queued ? { ...thread.update, status: "busy" } : thread.update);
      }
      const run = this.runMap.get(runId);
      if (!run || (run.status !== "pending" && run.status !== "running")) return false;
      this.setRun(this.stamp({ ...run, status, updated_at: now() }, run));
      this.pending.delete(runId);
      if (this.runningByThread.get(run.thread_id) === runId) this.runningByThread.delete(run.thread_id);
      return true;
    },
    nextDueAt: async () => {
      let earliest: string | undefined;
      const at = now();
      for (const runId of this.pending) {
        const run = this.runMap.get(runId);
        if (run && run.created_at > at && (earliest === undefined || run.created_at < earliest)) earliest = run.created_at;
      }
      return earliest ? new Date(earliest) : undefined;
    },
    // A memory store dies with its process: nothing can be orphaned.
    settleOrphaned: async () => [],
    truncate: async () => {
      this.runMap.clear();
      this.runsByThread.clear();
      this.pending.clear();
      this.runningByThread.clear();
    },
  };

  async close(): Promise<void> {}
}
