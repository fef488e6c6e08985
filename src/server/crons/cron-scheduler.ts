// Fires due crons: every interval (or at once when a test clock jumps) it
// claims due firings in the store and starts their runs through
// CronService.fire. Claims are made in the store, not in memory, so several
// processes on one database share the work and each due time fires once.
//
// Catch-up: a cron whose due times passed while no process ran fires ONCE
// for the earliest missed due time, then continues from the present; missed
// ticks are not replayed one by one.
import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import type { ClaimedFiring, CronStore } from "../persistence/cron-store.ts";
import type { CronService } from "./cron-service.ts";

export interface CronSchedulerOptions {
  workerId: string;
  /** How often to look for due crons (real time). */
  intervalMs: number;
  /** A firing still "claimed" this long after its claim lost its claimer: another process fires it. */
  claimTimeoutMs: number;
  /** Firings claimed per statement. */
  batchSize?: number;
}

export class CronScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unwatch: (() => void) | undefined;
  // During a database outage every pass fails the same way: say it once, and once when it passes.
  private lastError: string | undefined;

  constructor(
    private readonly store: CronStore,
    private readonly service: CronService,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: CronSchedulerOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unwatch = this.clock.onAdvance?.(() => this.poke());
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Looks for due crons now (after the current pass, if one is running). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** One pass: claims and fires until nothing is due. Resolves when done. */
  async tick(): Promise<number> {
    let fired = 0;
    const batch = this.options.batchSize ?? 50;
    for (;;) {
      const now = this.clock.now();
      const claimed = await this.store.claimDue(new Date(now), this.options.workerId, batch, (cron) => this.service.nextAfterClaim(cron, now));
      await this.fireAll(claimed);
      fired += claimed.length;
      if (claimed.length < batch || this.stopped) break;
    }
    const stale = await this.store.staleFirings(new Date(Date.now() - this.options.claimTimeoutMs), batch);
    if (stale.length > 0)
      this.log.warn("firing cron runs whose claimer stopped", { firings: stale.map((s) => `${s.cron.cron_id}@${s.firing.due_at}`) });
    await this.fireAll(stale);
    return fired + stale.length;
  }

  private async fireAll(claimed: ClaimedFiring[]): Promise<void> {
    for (const { cron, firing } of claimed) {
      const status = await this.service.fire(cron, firing);
      if (status === "failed") this.log.warn("cron firing could not start a run", { cron_id: cron.cron_id, due_at: firing.due_at });
    }
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .then(() => {
          if (this.lastError !== undefined) this.log.info("cron scheduler recovered", { after: this.lastError });
          this.lastError = undefined;
        })
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          if (message !== this.lastError) this.log.error("cron scheduler pass failed (retrying every interval)", { error: message });
          this.lastError = message;
        })
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.options.intervalMs);
        });
    }, delay);
    this.timer.unref();
  }
}
