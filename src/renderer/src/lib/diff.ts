// Top-level diff of two state snapshots: which keys were added, removed or
// changed between a checkpoint and its parent.
export interface KeyChange {
  key: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffValues(before: unknown, after: unknown): KeyChange[] {
  const a = (before && typeof before === "object" ? before : {}) as Record<string, unknown>;
  const b = (after && typeof after === "object" ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: KeyChange[] = [];
  for (const key of keys) {
    if (!(key in a)) out.push({ key, kind: "added", after: b[key] });
    else if (!(key in b)) out.push({ key, kind: "removed", before: a[key] });
    else if (!same(a[key], b[key])) out.push({ key, kind: "changed", before: a[key], after: b[key] });
  }
  return out;
}
