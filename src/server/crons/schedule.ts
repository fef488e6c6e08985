// Cron expressions: parsing and validation (croner), timezones, next times.
// Five fields as in crontab; a sixth leading seconds field is accepted as an
// extension (croner's), which lets tests and short demos fire every few seconds.
import { Cron } from "croner";
import { unprocessable } from "../errors.ts";

export interface ScheduleSpec {
  schedule: string;
  timezone?: string | null;
}

/** True when the IANA zone exists in this runtime's tz database. */
export function isKnownTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function compile(spec: ScheduleSpec): Cron {
  const fields = spec.schedule.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw unprocessable(
      `Invalid 'schedule': ${JSON.stringify(spec.schedule)} has ${fields.length} field${fields.length === 1 ? "" : "s"}; expected 5 (minute hour day-of-month month day-of-week), or 6 with leading seconds`,
    );
  }
  if (spec.timezone != null && !isKnownTimezone(spec.timezone)) {
    throw unprocessable(
      `Invalid 'timezone': ${JSON.stringify(spec.timezone)} is not an IANA timezone (e.g. "Europe/Paris", "America/New_York", "UTC")`,
    );
  }
  try {
    // paused: croner must never start a timer of its own; we only ask it for dates.
    return new Cron(spec.schedule.trim(), { timezone: spec.timezone ?? "UTC", paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, "") : String(error);
    throw unprocessable(`Invalid 'schedule': ${JSON.stringify(spec.schedule)}: ${reason}`);
  }
}

/** Throws a 422 naming the field for a bad schedule, zone, or a schedule that never fires. */
export function validateSchedule(spec: ScheduleSpec, now: number): void {
  const cron = compile(spec);
  if (!cron.nextRun(new Date(now))) {
    throw unprocessable(`Invalid 'schedule': ${JSON.stringify(spec.schedule)} never fires (an impossible date such as February 30)`);
  }
}

/** The first due time strictly after `after`, or null (none, or past `endTime`). */
export function nextRunAfter(spec: ScheduleSpec, after: number, endTime?: string | null): Date | null {
  const next = compile(spec).nextRun(new Date(after));
  if (!next) return null;
  if (endTime && next.getTime() > Date.parse(endTime)) return null;
  return next;
}

/** The next `count` due times after `after` (the Studio's preview). */
export function nextRuns(spec: ScheduleSpec, after: number, count: number): Date[] {
  return compile(spec).nextRuns(count, new Date(after));
}
