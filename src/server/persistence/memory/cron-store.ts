// The memory backend of CronStore: one process owns it, so a claim is a
// plain update of the map (JavaScript runs it without interleaving).
import type { ClaimedFiring, Cron, CronFilter, CronFiring, CronPatch, CronSearch, CronStore, FiringOutcome } from "../cron-store.ts";
import { compileContainment } from "../json-containment.ts";
import { conflict } from "../../errors.ts";
import { matchesContainment } from "../../auth/filter.ts";

const firingKey = (cronId: string, dueAt: string) => `${cronId}\u0000${dueAt}`;

function matches(filter: CronFilter): (cron: Cron) => boolean {
  const metadata = filter.metadata && Object.keys(filter.metadata).length > 0 ? compileContainment(filter.metadata) : undefined;
  return (cron) =>
    (filter.assistant_id === undefined || cron.assistant_id === filter.assistant_id) &&
    (filter.thread_id === undefined || cron.thread_id === filter.thread_id) &&
    (filter.enabled === undefined || cron.enabled === filter.enabled) &&
    (metadata === undefined || metadata(cron.metadata)) &&
    (filter.authFilter === undefined || matchesContainment(cron.metadata, filter.authFilter));
}

export class MemoryCronStore implements CronStore {
  private crons = new Map<string, Cron>();
  private firingMap = new Map<string, CronFiring>();
  private order = new Map<string, number>();
  private counter = 0;

  async create(cron: Cron): Promise<Cron> {
    if (this.crons.has(cron.cron_id)) throw conflict(`Cron ${cron.cron_id} already exists`);
    this.crons.set(cron.cron_id, cron);
    this.order.set(cron.cron_id, ++this.counter);
    return cron;
  }

  async get(cronId: string): Promise<Cron | undefined> {
    return this.crons.get(cronId);
  }

  async update(cronId: string, patch: CronPatch): Promise<Cron | undefined> {
    const cron = this.crons.get(cronId);
    if (!cron) return undefined;
    const updated: Cron = { ...cron, ...patch, updated_at: new Date().toISOString() };
    this.crons.set(cronId, updated);
    return updated;
  }

  async delete(cronId: string): Promise<boolean> {
    if (!this.crons.delete(cronId)) return false;
    for (const [key, firing] of this.firingMap) if (firing.cron_id === cronId) this.firingMap.delete(key);
    return true;
  }

  async search(query: CronSearch): Promise<Cron[]> {
    const key = query.sort_by ?? "created_at";
    const dir = (query.sort_order ?? "desc") === "asc" ? 1 : -1;
    const seq = (c: Cron) => this.order.get(c.cron_id) ?? 0;
    const items = [...this.crons.values()].filter(matches(query));
    items.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      // NULLs sort last ascending and first descending, as PostgreSQL does.
      if (x !== y) {
        if (x === null) return dir;
        if (y === null) return -dir;
        return dir * (x < y ? -1 : 1);
      }
      return dir * (seq(a) - seq(b));
    });
    return items.slice(query.offset, query.offset + query.limit);
  }

  async count(filter: CronFilter): Promise<number> {
    return [...this.crons.values()].filter(matches(filter)).length;
  }

  async claimDue(now: Date, workerId: string, limit: number, next: (cron: Cron) => Date | null): Promise<ClaimedFiring[]> {
    const due = [...this.crons.values()]
      .filter((c) => c.enabled && c.next_run_date !== null && Date.parse(c.next_run_date) <= now.getTime())
      .sort((a, b) => Date.parse(a.next_run_date as string) - Date.parse(b.next_run_date as string))
      .slice(0, limit);
    const claimed: ClaimedFiring[] = [];
    for (const cron of due) {
      const dueAt = cron.next_run_date as string;
      const following = next(cron);
      const advanced: Cron = { ...cron, next_run_date: following ? following.toISOString() : null };
      this.crons.set(cron.cron_id, advanced);
      const key = firingKey(cron.cron_id, dueAt);
      if (this.firingMap.has(key)) continue;
      const firing: CronFiring = {
        cron_id: cron.cron_id,
        due_at: dueAt,
        status: "claimed",
        run_id: null,
        thread_id: null,
        error: null,
        claimed_by: workerId,
        claimed_at: new Date().toISOString(),
      };
      this.firingMap.set(key, firing);
      claimed.push({ cron: advanced, firing });
    }
    return claimed;
  }

  async settleFiring(cronId: string, dueAt: string, outcome: FiringOutcome): Promise<boolean> {
    const key = firingKey(cronId, dueAt);
    const firing = this.firingMap.get(key);
    if (!firing || firing.status !== "claimed") return false;
    this.firingMap.set(key, {
      ...firing,
      status: outcome.status,
      run_id: outcome.run_id ?? null,
      thread_id: outcome.thread_id ?? null,
      error: outcome.error ?? null,
    });
    return true;
  }

  async staleFirings(claimedBefore: Date, limit: number): Promise<ClaimedFiring[]> {
    const out: ClaimedFiring[] = [];
    for (const firing of this.firingMap.values()) {
      if (firing.status !== "claimed" || Date.parse(firing.claimed_at) >= claimedBefore.getTime()) continue;
      const cron = this.crons.get(firing.cron_id);
      if (cron) out.push({ cron, firing });
    }
    return out.sort((a, b) => a.firing.claimed_at.localeCompare(b.firing.claimed_at)).slice(0, limit);
  }

  async firings(cronId: string, limit: number): Promise<CronFiring[]> {
    return [...this.firingMap.values()]
      .filter((f) => f.cron_id === cronId)
      .sort((a, b) => b.due_at.localeCompare(a.due_at))
      .slice(0, limit);
  }

  async truncate(): Promise<void> {
    this.crons.clear();
    this.firingMap.clear();
    this.order.clear();
  }
}
