// The one timer of the run engine: it wakes a worker when a delayed
// (after_seconds) run becomes due. Everything else is push-based.

/** setTimeout's limit (2^31 - 1 ms, ~24.8 days): a longer delay fires at once, with a TimeoutOverflowWarning. */
const MAX_TIMER_MS = 2_147_483_647;
/** Idle workers look up the next due run at most once per this many ms, together. */
const CHECK_THROTTLE_MS = 1_000;
/** Fire just after the due time, so the claim query sees the run as due. */
const SLACK_MS = 5;

export class DueTimer {
  private timer?: NodeJS.Timeout;
  private dueAt = Infinity;
  private lastCheck = -Infinity;
  private stopped = false;

  constructor(
    /** Wakes one idle worker. */
    private readonly wake: () => void,
    /** When the earliest delayed run is due (undefined when there is none). */
    private readonly nextDueAt: () => Promise<Date | undefined>,
  ) {}

  /** Wakes a worker at `at`, unless the timer is already armed for an earlier moment still ahead. */
  scheduleAt(at: Date): void {
    if (this.stopped) return;
    const when = at.getTime();
    if (when >= this.dueAt && this.dueAt > Date.now()) return;
    clearTimeout(this.timer);
    this.dueAt = when;
    this.timer = setTimeout(
      () => {
        this.dueAt = Infinity;
        // A delay beyond the timer's limit is waited out in steps.
        if (when > Date.now()) this.scheduleAt(at);
        else {
          this.wake();
          void this.armNext();
        }
      },
      Math.min(Math.max(0, when - Date.now()) + SLACK_MS, MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  /** Arms the timer for the next delayed run; at most one look-up per second across workers. */
  async scheduleDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCheck < CHECK_THROTTLE_MS) {
      // Throttled: look again when the second is over, never not at all. Memory has no poll to
      // catch a delayed run whose timer was spent on an earlier one (seen as a stream that hung).
      this.scheduleAt(new Date(this.lastCheck + CHECK_THROTTLE_MS));
      return;
    }
    this.lastCheck = now;
    const due = await this.nextDueAt();
    if (!due || due.getTime() <= Date.now()) return;
    this.scheduleAt(due);
  }

  /**
   * Arms the timer for the delayed run after the one that just came due. The
   * timer holds one due time, and a worker whose run ended with no due run
   * left sleeps without looking (PostgreSQL's pendingAfter): without this, a
   * second delayed run queued behind the first was never claimed.
   */
  private async armNext(): Promise<void> {
    try {
      const due = await this.nextDueAt();
      if (due && due.getTime() > Date.now()) this.scheduleAt(due);
    } catch {
      // The backend is away: a worker's failed claim retries and looks again.
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
