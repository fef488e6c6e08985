// What every route reads the same way: yes/no query flags, paging, `select`,
// and the page headers. One parser per thing, so `?delete_threads=True` means
// what `?subgraphs=True` means (they had drifted: four copies, two of them
// case-sensitive).
import type { FastifyReply } from "fastify";
import { Type } from "typebox";

const YES = new Set(["true", "1", "yes"]);
const NO = new Set(["false", "0", "no", ""]);

/**
 * A yes/no query parameter in the schema: any value is accepted (as before
 * there was a schema for it) and read by `queryFlag`; documented here so the
 * OpenAPI document lists it.
 */
export const flagParam = Type.Unsafe<string | string[]>({ description: "true, 1 or yes (any case) for yes; anything else, or absent, for no" });

/** The first value of a query parameter given once or repeated (`?a=1&a=2`). */
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** A query flag: true for true / 1 / yes in any case; absent or anything else is false. */
export function queryFlag(value: string | string[] | undefined): boolean {
  const given = first(value);
  return given !== undefined && YES.has(given.toLowerCase());
}

/** Whether a given flag says no (false / 0 / no / empty, any case): for parameters whose "yes" takes other values too (xray=2). */
export function queryFlagSaysNo(value: string | string[] | undefined): boolean {
  const given = first(value);
  return given !== undefined && NO.has(given.toLowerCase());
}

/** Query-string integers arrive as strings (the app does not coerce types): at most 15 digits, exact as a JS number and a bigint. */
export const digitsParam = Type.String({ pattern: "^[0-9]{1,15}$" });

export interface Page {
  limit: number;
  offset: number;
}

/** limit / offset from a body or a query already validated by the schema, with the route's default limit. */
export function pageOf(given: { limit?: number | string; offset?: number | string }, defaultLimit: number, maxLimit = 1000): Page {
  return { limit: Math.min(Number(given.limit ?? defaultLimit), maxLimit), offset: Number(given.offset ?? 0) };
}

/** Only the fields named in `select` (all of them when it is absent or empty). */
export function selectFields<T extends object>(items: T[], select: readonly string[] | undefined): (T | Partial<T>)[] {
  if (!select?.length) return items;
  const wanted = new Set(select);
  return items.map((item) => Object.fromEntries(Object.entries(item).filter(([key]) => wanted.has(key))) as Partial<T>);
}

/**
 * A page of a search: X-Pagination-Total (all matches), and X-Pagination-Next
 * (the next offset) when this page is full and more follow, as the reference
 * server and the SDK's paging read them. Returns the items to send.
 */
export function sendPage<T>(reply: FastifyReply, items: T[], total: number, page: Page): T[] {
  reply.header("x-pagination-total", String(total));
  if (items.length === page.limit && page.offset + page.limit < total) reply.header("x-pagination-next", String(page.offset + page.limit));
  return items;
}
