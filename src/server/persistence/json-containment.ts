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
