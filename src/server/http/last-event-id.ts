// The Last-Event-ID a client resumes a stream from. Event ids are the
// integers this server numbered them with, from 0; -1 asks for everything.
// Anything else is refused before the stream opens: an id past 2^53 (or
// 1e308) used to reach PostgreSQL as "1e+308" and leave the stream open
// forever with nothing to send.
import { unprocessable } from "../errors.ts";

const INTEGER = /^-?[0-9]{1,16}$/;

export function parseLastEventId(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header[header.length - 1] : header)?.trim() ?? "";
  if (text === "") return undefined;
  const value = INTEGER.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < -1) {
    throw unprocessable(
      `Invalid Last-Event-ID header ${JSON.stringify(text.slice(0, 40))}: expected an event id this server sent (an integer from -1 to ${Number.MAX_SAFE_INTEGER})`,
    );
  }
  return String(value);
}
