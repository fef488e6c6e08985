// Request bodies: JSON (also when labelled text/plain, as the reference
// accepts), with limits that keep hostile input from reaching code that
// recurses: nesting depth, and NUL characters (PostgreSQL's jsonb cannot
// hold \u0000, so both backends refuse them the same way).
import { HttpError, badRequest } from "../errors.ts";

export const MAX_JSON_DEPTH = 100;

// An escaped NUL not preceded by an escaped backslash.
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(current as Record<string, unknown>)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * `allowNul`: filters (search, count, history) may carry NUL; they match
 * nothing stored, since nothing stored can contain it.
 */
export function parseJsonBody(text: string, options: { allowNul?: boolean } = {}): unknown {
  if (text.trim() === "") return undefined;
  if (!options.allowNul && ESCAPED_NUL.test(text)) {
    throw new HttpError(422, "Invalid body: NUL characters (\\u0000) are not allowed in strings or keys");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Invalid JSON body: ${(error as Error).message}`);
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new HttpError(422, `Invalid body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}
