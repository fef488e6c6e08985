// PostgreSQL's jsonb containment (`a @> b`) for the memory backend, so a
// metadata filter finds the same threads in memory as in Postgres.
export function jsonContains(a: unknown, b: unknown): boolean {
  if (b === null || typeof b !== "object") {
    // A top-level array contains a scalar it holds (Postgres' special case).
    if (Array.isArray(a)) return a.some((item) => item === b || (item !== null && typeof item !== "object" && item === b));
    return a === b;
  }
  if (Array.isArray(b)) {
    if (!Array.isArray(a)) return false;
    return b.every((needle) => a.some((item) => jsonContains(item, needle)));
  }
  if (a === null || typeof a !== "object" || Array.isArray(a)) return false;
  const left = a as Record<string, unknown>;
  for (const [key, value] of Object.entries(b as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(left, key)) return false;
    if (!jsonContains(left[key], value)) return false;
  }
  return true;
}

/**
 * A containment test compiled once for a filter and applied to many values:
 * top-level primitive filters (the common metadata filter) compare directly.
 */
export function compileContainment(filter: unknown): (value: unknown) => boolean {
  if (filter === null || typeof filter !== "object" || Array.isArray(filter)) return (value) => jsonContains(value, filter);
  const entries = Object.entries(filter as Record<string, unknown>);
  const simple = entries.filter(([, v]) => v === null || typeof v !== "object");
  const nested = entries.filter(([, v]) => v !== null && typeof v === "object");
  return (value) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (const [k, v] of simple) {
      if (record[k] !== v || !Object.prototype.hasOwnProperty.call(record, k)) return false;
    }
    for (const [k, v] of nested) {
      if (!Object.prototype.hasOwnProperty.call(record, k) || !jsonContains(record[k], v)) return false;
    }
    return true;
  };
}
