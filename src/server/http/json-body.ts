// Request bodies: JSON (also when labelled text/plain, as the reference
// accepts), with limits that keep hostile input from reaching code that
// recurses: nesting depth; and text PostgreSQL's jsonb cannot hold (NUL
// characters, lone UTF-16 surrogates), refused the same way by both backends.
import { HttpError, badRequest } from "../errors.ts";

export const MAX_JSON_DEPTH = 100;

// An escaped NUL not preceded by an escaped backslash.
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a parsed body cannot be accepted, walking it once without recursion. */
function problemIn(value: unknown, limit: number): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current === "string") {
      if (LONE_SURROGATE.test(current)) return "Invalid body: a string holds a lone UTF-16 surrogate (\\ud800-\\udfff unpaired)";
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return `Invalid body: JSON nested deeper than ${limit} levels`;
    for (const [key, child] of Object.entries(current as Record<string, unknown>)) {
      if (LONE_SURROGATE.test(key)) return "Invalid body: a key holds a lone UTF-16 surrogate (\\ud800-\\udfff unpaired)";
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const RAW_SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether the parsed value could be refused, read from the text alone, so
 * that the common body skips the walk: a lone surrogate in a string needs a
 * `\uD8xx`-style escape or a raw surrogate in the text, and nesting deeper
 * than `limit` needs more than `limit` opening brackets.
 */
function mayHoldProblem(text: string, limit: number): boolean {
  if (SURROGATE_ESCAPE.test(text) || RAW_SURROGATE.test(text)) return true;
  if (text.length <= limit) return false;
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x7b || c === 0x5b) && ++open > limit) return true; // { [
  }
  return false;
}

/**
 * NUL is refused in every body, filters included: PostgreSQL cannot take it
 * even as a query parameter (a 500 there, a match of nothing in memory), and
 * one answer on both backends is the point.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  if (ESCAPED_NUL.test(text)) {
    throw new HttpError(422, "Invalid body: NUL characters (\\u0000) are not allowed in strings or keys");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Invalid JSON body: ${(error as Error).message}`);
  }
  const problem = mayHoldProblem(text, MAX_JSON_DEPTH) ? problemIn(value, MAX_JSON_DEPTH) : undefined;
  if (problem) throw new HttpError(422, problem);
  return value;
}
