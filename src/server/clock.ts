// The time the scheduler and the TTL sweeper go by. Production uses the
// system clock; tests drive a ManualClock (in process) or a FileClock (a
// file several processes read), so a cron's minute passes in milliseconds.
import { readFileSync } from "node:fs";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Called when the time jumps (test clocks), so waiters re-check at once. */
  onAdvance?(listener: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock a test moves by hand. */
export class ManualClock implements Clock {
  private listeners = new Set<() => void>();
  constructor(private current: number = Date.now()) {}
  now(): number {
    return this.current;
  }
  set(ms: number | Date): void {
    this.current = typeof ms === "number" ? ms : ms.getTime();
    for (const listener of this.listeners) listener();
  }
  advance(ms: number): void {
    this.set(this.current + ms);
  }
  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * A clock shared by processes: the file holds milliseconds since the epoch
 * (SKEINO_TEST_CLOCK_FILE). Read on every call; a missing or unreadable file
 * is an error, since running on a guessed time would fire wrong crons.
 */
export class FileClock implements Clock {
  constructor(private readonly path: string) {}
  now(): number {
    const text = readFileSync(this.path, "utf8").trim();
    const ms = Number(text);
    if (!Number.isFinite(ms)) throw new Error(`test clock file ${this.path} holds ${JSON.stringify(text)}, not milliseconds`);
    return ms;
  }
}
