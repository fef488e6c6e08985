// The LangGraph store (BaseStore) on skeino's pool, in PostgresStore's table
// (`store`, namespaces joined with ":"), with queries of our own:
// PostgresStore 1.0.5 matches namespaces with unescaped LIKE patterns (a
// prefix of ["%"] lists every namespace, ["hostil"] matches ["hostile"]) and
// so refuses labels holding "_" or "%" that memory stores happily; it casts
// filter values to numeric (a 500 on text); it always builds its own pool
// (langgraphjs PR #1966, open). We keep its setup() (the table) and write
// every read and write here: prefixes match whole labels, "*" matches any
// one label as the memory store does, nothing in a label is a pattern.
//
// TTL: puts take their own ttl or the manifest's default; reads (the API's
// and graphs' alike, through get, search and batch) push the expiry of what
// they return forward by the item's own ttl, unless told not to
// (../store-reads.ts).
import type pg from "pg";
import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import {
  InvalidNamespaceError,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from "@langchain/langgraph-checkpoint";
import { checkStoreKey, checkStoreNamespace } from "../store-address.ts";
import { HttpError } from "../../errors.ts";
import { likeEscape } from "./sql.ts";
import type { ItemKey } from "../ttl-store.ts";
import { itemsToRefresh } from "../store-reads.ts";

/** The store's tables, in the schema PostgresStore defaults to. */
export const STORE_TABLES = ["store", "store_migrations"] as const;

interface StoreRow {
  namespace_path: string;
  key: string;
  value: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

const toItem = (r: StoreRow): Item => ({
  namespace: r.namespace_path.split(":"),
  key: r.key,
  value: r.value,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const regexLiteral = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
/** One label of a prefix or suffix as a regular expression: "*" is any one label. */
const labelPattern = (label: string) => (label === "*" ? "[^:]*" : regexLiteral(label));

/** A graph calling the store directly gets LangGraph's error type (a run error), not an HTTP one. */
function checkAddress(namespace: readonly string[], key?: string): void {
  try {
    if (namespace.length === 0) throw new InvalidNamespaceError("Namespace cannot be empty.");
    checkStoreNamespace(namespace);
    if (key !== undefined) checkStoreKey(key);
  } catch (error) {
    if (error instanceof HttpError) throw new InvalidNamespaceError(error.message);
    throw error;
  }
}

type FilterValue = unknown;

/**
 * The memory store's filter semantics (LangGraph's compareValues) in SQL:
 * plain values and $eq/$ne compare JSON exactly, $gt..$lte compare numbers
 * (a value that is not a number never matches), $in/$nin lists of values.
 */
function filterConditions(filter: Record<string, FilterValue>, params: unknown[]): string[] {
  const out: string[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const field = (key: string) => `(value -> ${param(key)})`;
  const json = (v: unknown) => `${param(JSON.stringify(v ?? null))}::jsonb`;
  const numeric = (key: string, op: string, v: unknown) => {
    const n = Number(v);
    if (!Number.isFinite(n)) return "FALSE";
    return `(jsonb_typeof(${field(key)}) = 'number' AND (value ->> ${param(key)})::numeric ${op} ${param(n)}::numeric)`;
  };
  for (const [key, expected] of Object.entries(filter)) {
    const isOps =
      expected !== null &&
      typeof expected === "object" &&
      !Array.isArray(expected) &&
      Object.keys(expected).length > 0 &&
      Object.keys(expected).every((k) => k.startsWith("$"));
    if (!isOps) {
      out.push(`${field(key)} = ${json(expected)}`);
      continue;
    }
    for (const [op, v] of Object.entries(expected as Record<string, unknown>)) {
      switch (op) {
        case "$eq":
          out.push(`${field(key)} = ${json(v)}`);
          break;
        case "$ne":
          out.push(`${field(key)} IS DISTINCT FROM ${json(v)}`);
          break;
        case "$gt":
          out.push(numeric(key, ">", v));
          break;
        case "$gte":
          out.push(numeric(key, ">=", v));
          break;
        case "$lt":
          out.push(numeric(key, "<", v));
          break;
        case "$lte":
          out.push(numeric(key, "<=", v));
          break;
        case "$in":
          out.push(Array.isArray(v) ? `${field(key)} = ANY(${param(v.map((x) => JSON.stringify(x)))}::jsonb[])` : "FALSE");
          break;
        case "$nin":
          out.push(Array.isArray(v) ? `NOT (${field(key)} = ANY(${param(v.map((x) => JSON.stringify(x)))}::jsonb[]))` : "TRUE");
          break;
        default:
          out.push("FALSE");
      }
    }
  }
  return out;
}

export class SharedPoolPostgresStore extends PostgresStore {
  private readonly pool: pg.Pool;

  constructor(
    pool: pg.Pool,
    private readonly defaultTtlMinutes?: number,
    private readonly refreshOnRead = true,
  ) {
    // ensureTables: false - skeino's migrations run setup() under the
    // migration lock; the lazy per-call setup would race between processes.
    // PostgresStore builds a pool it never connects (pg connects lazily); ours replaces it.
    super({ connectionOptions: { max: 1 }, ensureTables: false });
    (this as unknown as { core: { pool: pg.Pool } }).core.pool = pool;
    this.pool = pool;
  }

  /** The pool belongs to the persistence layer, which ends it once. */
  override async stop(): Promise<void> {}

  override async batch<Op extends readonly Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    for (const op of operations) {
      if ("namespacePrefix" in op) results.push(await this.searchItems(op));
      else if ("matchConditions" in op) results.push(await this.namespaces(op));
      else if ("value" in op) results.push(await this.write(op));
      else results.push(await this.read(op as GetOperation));
    }
    await this.refreshItems(itemsToRefresh(operations, results, this.refreshOnRead));
    return results as OperationResults<Op>;
  }

  override async get(namespace: string[], key: string): Promise<Item | null> {
    const item = await this.read({ namespace, key });
    if (item && this.refreshOnRead) await this.refreshItems([{ namespace, key }]);
    return item;
  }
  override async put(namespace: string[], key: string, value: Record<string, unknown>): Promise<void> {
    await this.write({ namespace, key, value });
  }
  override async delete(namespace: string[], key: string): Promise<void> {
    await this.write({ namespace, key, value: null });
  }
  override async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string; refreshTtl?: boolean } = {},
  ): Promise<SearchItem[]> {
    const items = await this.searchItems({ namespacePrefix, ...options });
    if (options.refreshTtl ?? this.refreshOnRead) await this.refreshItems(items);
    return items;
  }

  /**
   * Pushes each item's expiry forward by its own ttl. A put stamps expires_at
   * and updated_at together (and the table's trigger stamps updated_at on
   * every update), so expires_at - updated_at is the ttl.
   */
  async refreshItems(items: ItemKey[]): Promise<void> {
    if (items.length === 0) return;
    await this.pool.query(
      `UPDATE store s SET expires_at = CURRENT_TIMESTAMP + (s.expires_at - s.updated_at)
         FROM unnest($1::text[], $2::text[]) AS k(ns, key)
        WHERE s.namespace_path = k.ns AND s.key = k.key AND s.expires_at IS NOT NULL AND s.expires_at > CURRENT_TIMESTAMP`,
      [items.map((i) => i.namespace.join(":")), items.map((i) => i.key)],
    );
  }
  override async listNamespaces(
    options: { prefix?: string[]; suffix?: string[]; maxDepth?: number; limit?: number; offset?: number } = {},
  ): Promise<string[][]> {
    const matchConditions = [
      ...(options.prefix ? [{ matchType: "prefix" as const, path: options.prefix }] : []),
      ...(options.suffix ? [{ matchType: "suffix" as const, path: options.suffix }] : []),
    ];
    return this.namespaces({ matchConditions, maxDepth: options.maxDepth, limit: options.limit ?? 100, offset: options.offset ?? 0 });
  }

  private async read(op: GetOperation): Promise<Item | null> {
    checkAddress(op.namespace, op.key);
    const { rows } = await this.pool.query<StoreRow>(
      `SELECT namespace_path, key, value, created_at, updated_at FROM store
        WHERE namespace_path = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [op.namespace.join(":"), op.key],
    );
    return rows[0] ? toItem(rows[0]) : null;
  }

  private async write(op: PutOperation): Promise<void> {
    checkAddress(op.namespace, op.key);
    const path = op.namespace.join(":");
    if (op.value === null) {
      await this.pool.query("DELETE FROM store WHERE namespace_path = $1 AND key = $2", [path, op.key]);
      return;
    }
    // The item's own ttl in minutes (the API's null clears it), else the manifest's default.
    const ttl = (op as PutOperation & { options?: { ttl?: number | null } }).options?.ttl;
    const minutes = ttl === undefined ? this.defaultTtlMinutes : (ttl ?? undefined);
    await this.pool.query(
      `INSERT INTO store (namespace_path, key, value, updated_at, expires_at)
         VALUES ($1, $2, $3, now(), CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + $4::float8 * interval '1 minute' END)
        ON CONFLICT (namespace_path, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at`,
      [path, op.key, JSON.stringify(op.value), minutes ?? null],
    );
  }

  /** Without embeddings a text `query` ranks nothing (as in memory): the filter and the prefix decide. */
  private async searchItems(op: SearchOperation): Promise<SearchItem[]> {
    const params: unknown[] = [];
    const where = ["(expires_at IS NULL OR expires_at > now())"];
    if (op.namespacePrefix.length > 0) {
      checkAddress(op.namespacePrefix);
      const path = op.namespacePrefix.join(":");
      params.push(path, `${likeEscape(path)}:%`);
      where.push(`(namespace_path = $1 OR namespace_path LIKE $2 ESCAPE '\\')`);
    }
    if (op.filter) where.push(...filterConditions(op.filter, params));
    params.push(op.limit ?? 10, op.offset ?? 0);
    const { rows } = await this.pool.query<StoreRow>(
      `SELECT namespace_path, key, value, created_at, updated_at FROM store WHERE ${where.join(" AND ")}
        ORDER BY updated_at DESC, namespace_path, key LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(toItem);
  }

  private async namespaces(op: ListNamespacesOperation): Promise<string[][]> {
    const params: unknown[] = [];
    const where: string[] = [];
    for (const condition of op.matchConditions ?? []) {
      const labels = condition.path.map(labelPattern).join(":");
      params.push(condition.matchType === "prefix" ? `^${labels}(:|$)` : `(^|:)${labels}$`);
      where.push(`namespace_path ~ $${params.length}`);
    }
    let path = "namespace_path";
    if (op.maxDepth !== undefined) {
      params.push(op.maxDepth);
      path = `array_to_string((string_to_array(namespace_path, ':'))[1:$${params.length}], ':')`;
    }
    params.push(op.limit ?? 100, op.offset ?? 0);
    const { rows } = await this.pool.query<{ path: string }>(
      `SELECT DISTINCT ${path} AS path FROM store ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY path LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map((r) => r.path.split(":"));
  }

  /** Empties the store (POST /internal/truncate for test suites). */
  async truncate(): Promise<void> {
    await this.pool.query("DELETE FROM store");
  }
}
