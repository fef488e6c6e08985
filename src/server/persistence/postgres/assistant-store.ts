// Assistants on PostgreSQL (app_assistants, app_assistant_versions): every
// patch is a new version row; a row lock serializes concurrent patches.
import type pg from "pg";
import type { AssistantCreate, AssistantFilter, AssistantPatch, AssistantSearch, MetadataStore } from "../types.ts";
import { conflict } from "../../errors.ts";
import {
  ASSISTANT_COLUMNS,
  ASSISTANT_GET_SQL,
  ASSISTANT_SORT,
  assistantWhere,
  orderBy,
  toAssistant,
  toVersion,
  type AssistantRow,
} from "./metadata-sql.ts";
import { Params, inTransaction } from "./sql.ts";

export function postgresAssistantStore(pool: pg.Pool): MetadataStore["assistants"] {
  async function countRows(filter: AssistantFilter): Promise<number> {
    const p = new Params();
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM app_assistants ${assistantWhere(filter, p)}`, p.values);
    return rows[0]?.n ?? 0;
  }

  const store: MetadataStore["assistants"] = {
    create: async (input: AssistantCreate) => {
      const p = new Params();
      const { rows } = await pool.query<AssistantRow>(
        `WITH a AS (
           INSERT INTO app_assistants (assistant_id, graph_id, config, context, metadata, name, description)
           VALUES (${p.add(input.assistant_id)}, ${p.add(input.graph_id)}, ${p.json(input.config ?? {})},
                   ${p.json(input.context ?? {})}, ${p.json(input.metadata ?? {})},
                   ${p.add(input.name ?? input.graph_id)}, ${p.add(input.description ?? null)})
           ON CONFLICT (assistant_id) DO NOTHING
           RETURNING ${ASSISTANT_COLUMNS}),
         v AS (
           INSERT INTO app_assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
           SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at FROM a)
         SELECT * FROM a`,
        p.values,
      );
      if (rows[0]) return toAssistant(rows[0]);
      if (input.if_exists === "do_nothing") {
        const existing = await store.get(input.assistant_id);
        if (existing) return existing;
      }
      throw conflict("Assistant already exists");
    },

    get: async (assistantId) => {
      const { rows } = await pool.query<AssistantRow>({ name: "skeino_assistant_get", text: ASSISTANT_GET_SQL, values: [assistantId] });
      return rows[0] ? toAssistant(rows[0]) : undefined;
    },

    patch: (assistantId, patch: AssistantPatch) =>
      inTransaction(pool, async (client) => {
        // The row lock serializes concurrent patches, so each gets its own version number.
        const locked = await client.query<{ version: number }>("SELECT version FROM app_assistants WHERE assistant_id = $1 FOR UPDATE", [
          assistantId,
        ]);
        if (!locked.rows[0]) return undefined;
        const p = new Params();
        const id = p.add(assistantId);
        const sets = [
          `version = GREATEST(a.version, (SELECT coalesce(max(version), 0) FROM app_assistant_versions WHERE assistant_id = ${id})) + 1`,
          "updated_at = clock_timestamp()",
        ];
        if (patch.graph_id !== undefined) sets.push(`graph_id = ${p.add(patch.graph_id)}`);
        if (patch.config !== undefined) sets.push(`config = ${p.json(patch.config)}`);
        if (patch.context !== undefined) sets.push(`context = ${p.json(patch.context)}`);
        if (patch.metadata !== undefined) sets.push(`metadata = a.metadata || ${p.json(patch.metadata)}`);
        if (patch.name !== undefined) sets.push(`name = ${p.add(patch.name)}`);
        if (patch.description !== undefined) sets.push(`description = ${p.add(patch.description)}`);
        const { rows } = await client.query<AssistantRow>(
          `UPDATE app_assistants a SET ${sets.join(", ")} WHERE assistant_id = ${id} RETURNING ${ASSISTANT_COLUMNS}`,
          p.values,
        );
        const row = rows[0];
        if (!row) return undefined;
        await client.query(
          `INSERT INTO app_assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
           SELECT assistant_id, version, graph_id, config, context, metadata, name, description, updated_at
             FROM app_assistants WHERE assistant_id = $1`,
          [assistantId],
        );
        return toAssistant(row);
      }),

    delete: (assistantId) =>
      inTransaction(pool, async (client) => {
        await client.query("DELETE FROM app_runs WHERE assistant_id = $1", [assistantId]);
        const { rowCount } = await client.query("DELETE FROM app_assistants WHERE assistant_id = $1", [assistantId]);
        return (rowCount ?? 0) > 0;
      }),

    search: async (query: AssistantSearch) => {
      const p = new Params();
      const where = assistantWhere(query, p);
      const [page, count] = await Promise.all([
        pool.query<AssistantRow>(
          `SELECT ${ASSISTANT_COLUMNS} FROM app_assistants ${where}
           ${orderBy(ASSISTANT_SORT, query.sort_by, query.sort_order)}
           LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
          p.values,
        ),
        countRows(query),
      ]);
      return { items: page.rows.map(toAssistant), total: count };
    },

    count: (filter) => countRows(filter),

    versions: async (assistantId, query) => {
      const p = new Params();
      const conditions = [`assistant_id = ${p.add(assistantId)}`];
      if (query.metadata) conditions.push(`metadata @> ${p.json(query.metadata)}`);
      if (query.authFilter) conditions.push(`metadata @> ${p.json(query.authFilter)}`);
      const { rows } = await pool.query<Omit<AssistantRow, "updated_at">>(
        `SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at
           FROM app_assistant_versions WHERE ${conditions.join(" AND ")}
          ORDER BY version DESC LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
        p.values,
      );
      return rows.map(toVersion);
    },

    setLatest: (assistantId, version) =>
      inTransaction(pool, async (client) => {
        const locked = await client.query("SELECT 1 FROM app_assistants WHERE assistant_id = $1 FOR UPDATE", [assistantId]);
        if (locked.rowCount === 0) return "no-assistant" as const;
        const { rows } = await client.query<AssistantRow>(
          `UPDATE app_assistants a
              SET graph_id = v.graph_id, config = v.config, context = v.context, metadata = v.metadata,
                  name = v.name, description = v.description, version = v.version, updated_at = clock_timestamp()
             FROM app_assistant_versions v
            WHERE a.assistant_id = $1 AND v.assistant_id = $1 AND v.version = $2
        RETURNING ${ASSISTANT_COLUMNS.split(", ")
          .map((c) => `a.${c}`)
          .join(", ")}`,
          [assistantId, version],
        );
        return rows[0] ? toAssistant(rows[0]) : ("no-version" as const);
      }),

    truncateUserAssistants: async () => {
      await pool.query("DELETE FROM app_assistants WHERE metadata->>'created_by' IS DISTINCT FROM 'system'");
    },
  };

  return store;
}
