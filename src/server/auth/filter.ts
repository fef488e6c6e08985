// Auth filters: validated once where a handler returns them, then either
// matched against one record's metadata or turned into a JSONB containment
// document the stores apply as `metadata @> $1` (an indexed WHERE clause on
// PostgreSQL, the same test in memory).
import type { JsonObject } from "../persistence/types.ts";
import type { AuthFilter } from "./types.ts";

type Scalar = string | number | boolean | null;

const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));

/** Why `filter` is not a filter skeino can apply, or undefined when it is. */
export function describeFilterProblem(filter: object): string | undefined {
  if (Array.isArray(filter)) return "a filter must be an object such as {owner: user.identity}, not an array";
  for (const [key, condition] of Object.entries(filter)) {
    if (isScalar(condition)) continue;
    if (typeof condition !== "object" || condition === null || Array.isArray(condition)) {
      return `filter key "${key}" must be a string, number, boolean or null, or {$eq: ...} / {$contains: ...}`;
    }
    const operators = Object.keys(condition);
    const unknown = operators.filter((op) => op !== "$eq" && op !== "$contains");
    if (unknown.length > 0)
      return `filter key "${key}" uses unknown operator ${unknown.map((op) => JSON.stringify(op)).join(", ")} (supported: $eq, $contains)`;
    if (operators.length === 0) return `filter key "${key}" is an empty object: use {$eq: value} or {$contains: value}`;
    const { $eq, $contains } = condition as { $eq?: unknown; $contains?: unknown };
    if ("$eq" in condition && !isScalar($eq)) return `filter key "${key}": $eq takes a string, number, boolean or null`;
    if ("$contains" in condition && !isScalar($contains) && !(Array.isArray($contains) && $contains.every(isScalar))) {
      return `filter key "${key}": $contains takes a value or an array of values`;
    }
  }
  return undefined;
}

/**
 * The containment document equivalent to a (valid) filter: a plain value or
 * $eq is `{key: value}` (JSONB containment of a scalar is equality); $contains
 * is `{key: [values]}` (the metadata value must be an array holding them all).
 * $eq wins over $contains on one key, as the reference decides.
 */
export function filterToContainment(filter: AuthFilter): JsonObject {
  const out: JsonObject = {};
  for (const [key, condition] of Object.entries(filter)) {
    if (isScalar(condition)) out[key] = condition;
    else if ("$eq" in condition) out[key] = condition.$eq ?? null;
    else out[key] = Array.isArray(condition.$contains) ? condition.$contains : [condition.$contains];
  }
  return out;
}

/** Whether `metadata` passes `filter` (no filter: everything passes). */
export function matchesFilter(metadata: Record<string, unknown> | undefined, filter: AuthFilter | undefined): boolean {
  if (!filter) return true;
  for (const [key, condition] of Object.entries(filter)) {
    const has = metadata !== undefined && Object.prototype.hasOwnProperty.call(metadata, key);
    const actual = has ? metadata[key] : undefined;
    if (isScalar(condition)) {
      if (!has || actual !== condition) return false;
    } else if ("$eq" in condition) {
      // The reference skips a falsy $eq (matching everything); an empty string is a value like any other.
      if (!has || actual !== condition.$eq) return false;
    } else {
      if (!Array.isArray(actual)) return false;
      const needles = Array.isArray(condition.$contains) ? condition.$contains : [condition.$contains];
      if (!needles.every((needle) => actual.includes(needle))) return false;
    }
  }
  return true;
}

/**
 * A containment document from filterToContainment, tested as PostgreSQL's
 * `metadata @> doc` tests it (a scalar matches only an equal scalar, an array
 * must hold every listed value): what the memory backend applies.
 */
export function matchesContainment(metadata: Record<string, unknown>, doc: JsonObject): boolean {
  for (const [key, expected] of Object.entries(doc)) {
    if (!Object.prototype.hasOwnProperty.call(metadata, key)) return false;
    const actual = metadata[key];
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual) || !expected.every((needle) => actual.includes(needle))) return false;
    } else if (actual !== expected) return false;
  }
  return true;
}
