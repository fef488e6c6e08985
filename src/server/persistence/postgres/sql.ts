// Small helpers for parameterized SQL: values always travel as $n
// parameters; only whitelisted identifiers are ever spliced into text.
import type pg from "pg";

/** JSONB rejects \u0000 (22P05), so NUL characters are stripped from strings before writing. */
export function toJsonb(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" && v.includes("\0") ? v.replaceAll("\0", "") : v));
}

/** Collects parameters; add() returns the placeholder to splice into the SQL text. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  json(value: unknown): string {
    return `${this.add(toJsonb(value))}::jsonb`;
  }
}

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Escapes LIKE wildcards so a user's "50%" matches literally. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Runs fn inside BEGIN/COMMIT on one pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Texts given a statement name so far, and the most kept (a text past it runs unnamed). */
const NAMES = new Map<string, string>();
const MAX_NAMED = 256;

/**
 * A query config that PostgreSQL prepares once per connection: each distinct
 * text gets its own name. For statements whose text is built from a few
 * options (a run's insert, its finish): unnamed, PostgreSQL planned them on
 * every call (195-250 us each, measured with pg_stat_statements). The
 * number of texts is bounded; past it, a text runs unnamed as before.
 */
export function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = NAMES.get(text);
  if (name === undefined && NAMES.size < MAX_NAMED) NAMES.set(text, (name = `skeino_s${NAMES.size}`));
  return name === undefined ? { text, values } : { name, text, values };
}
