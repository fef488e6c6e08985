// Strict ISO 8601 timestamps for end_time: Date.parse accepts impossible
// dates ("2026-02-30" becomes March 2), which a client almost surely did not mean.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Milliseconds since the epoch, or undefined for a malformed or impossible
 * date. A time without a zone is UTC. Years 1970-9999 only: PostgreSQL has
 * no year 0, and an end time before the epoch is a mistake, not a schedule.
 */
export function parseStrictIsoDate(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) =>
    v === undefined ? undefined : Number(v),
  ) as number[];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const withZone = m[7] || !m[4] ? text.trim() : `${text.trim()}Z`;
  const ms = Date.parse(m[4] ? withZone : `${text.trim()}T00:00:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
