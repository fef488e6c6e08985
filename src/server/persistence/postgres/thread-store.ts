// Threads on PostgreSQL (app_threads): metadata and values filters use jsonb
// containment (@>) over GIN indexes, exactly what the memory backend emulates.
import type pg from "pg";
import type { MetadataStore, ThreadCreate, ThreadFilter, ThreadSearch, ThreadUpdate } from "../types.ts";
import {
  THREAD_COLUMNS,
  THREAD_CREATE_SQL,
  THREAD_GET_SQL,
  THREAD_SORT,
  orderBy,
  threadUpdateSql,
  threadWhere,
  toThread,
  type ThreadRow,
} from "./metadata-sql.ts";
import { Params, toJsonb } from "./sql.ts";

export function postgresThreadStore(pool: pg.Pool): MetadataStore["threads"] {
  async function countRows(filter: ThreadFilter): Promise<number> {
    const p = new Params();
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM app_threads ${threadWhere(filter, p)}`, p.values);
    return rows[0]?.n ?? 0;
  }

  const store: MetadataStore["threads"] = {
    create: async (input: ThreadCreate) => {
      const { rows } = await pool.query<ThreadRow>({
        name: "skeino_thread_create",
        text: THREAD_CREATE_SQL,
        values: [input.thread_id, toJsonb(input.metadata ?? {})],
      });
      return rows[0] ? toThread(rows[0]) : "exists";
    },

    get: async (threadId) => {
      const { rows } = await pool.query<ThreadRow>({ name: "skeino_thread_get", text: THREAD_GET_SQL, values: [threadId] });
      return rows[0] ? toThread(rows[0]) : undefined;
    },

    update: async (threadId, update: ThreadUpdate) => {
      const p = new Params();
      const { rows } = await pool.query<ThreadRow>(`${threadUpdateSql(threadId, update, p)} RETURNING ${THREAD_COLUMNS}`, p.values);
      return rows[0] ? toThread(rows[0]) : undefined;
    },

    delete: async (threadId) => {
      const { rowCount } = await pool.query("DELETE FROM app_threads WHERE thread_id = $1", [threadId]);
      return (rowCount ?? 0) > 0;
    },

    search: async (query: ThreadSearch) => {
      const p = new Params();
      const where = threadWhere(query, p);
      const [page, count] = await Promise.all([
        pool.query<ThreadRow>(
          `SELECT ${THREAD_COLUMNS} FROM app_threads ${where}
           ${orderBy(THREAD_SORT, query.sort_by, query.sort_order)}
           LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
          p.values,
        ),
        countRows(query),
      ]);
      return { items: page.rows.map(toThread), total: count };
    },

    count: (filter) => countRows(filter),

    truncate: async () => {
      await pool.query("TRUNCATE app_runs, app_threads CASCADE");
    },
  };

  return store;
}
