// CronStore over PostgreSQL (app_crons, app_cron_firings). A claim locks due
// crons with FOR UPDATE SKIP LOCKED, advances their next_run_date and inserts
// the firing in the same transaction; the firing's primary key (cron, due
// time) is the last word, so no due time fires twice across processes.
import type pg from "pg";
import type {
  ClaimedFiring,
  Cron,
  CronFilter,
  CronFiring,
  CronPatch,
  CronSearch,
  CronStore,
  FiringOutcome,
  FiringStatus,
  OnRunCompleted,
} from "../cron-store.ts";
import { CRON_SORT_FIELDS } from "../cron-store.ts";
import type { JsonObject } from "../types.ts";
import { conflict } from "../../errors.ts";
import { Params, inTransaction, iso, pgCode } from "./sql.ts";

interface CronRow {
  cron_id: string;
  assistant_id: string;
  thread_id: string | null;
  user_id: string | null;
  schedule: string;
  timezone: string | null;
  end_time: Date | null;
  payload: JsonObject;
  metadata: JsonObject;
  enabled: boolean;
  on_run_completed: OnRunCompleted | null;
  next_run_date: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface FiringRow {
  cron_id: string;
  due_at: Date;
  status: FiringStatus;
  run_id: string | null;
  thread_id: string | null;
  error: string | null;
  claimed_by: string;
  claimed_at: Date;
}

const CRON_COLUMNS =
  "cron_id, assistant_id, thread_id, user_id, schedule, timezone, end_time, payload, metadata, enabled, on_run_completed, next_run_date, created_at, updated_at";
const FIRING_COLUMNS = "cron_id, due_at, status, run_id, thread_id, error, claimed_by, claimed_at";

const toCron = (r: CronRow): Cron => ({
  cron_id: r.cron_id,
  assistant_id: r.assistant_id,
  thread_id: r.thread_id,
  user_id: r.user_id,
  schedule: r.schedule,
  timezone: r.timezone,
  end_time: r.end_time ? iso(r.end_time) : null,
  payload: r.payload,
  metadata: r.metadata,
  enabled: r.enabled,
  on_run_completed: r.on_run_completed,
  next_run_date: r.next_run_date ? iso(r.next_run_date) : null,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
});

const toFiring = (r: FiringRow): CronFiring => ({
  cron_id: r.cron_id,
  due_at: iso(r.due_at),
  status: r.status,
  run_id: r.run_id,
  thread_id: r.thread_id,
  error: r.error,
  claimed_by: r.claimed_by,
  claimed_at: iso(r.claimed_at),
});

function where(filter: CronFilter, params: Params): string {
  const clauses: string[] = [];
  if (filter.assistant_id !== undefined) clauses.push(`assistant_id = ${params.add(filter.assistant_id)}`);
  if (filter.thread_id !== undefined) clauses.push(`thread_id = ${params.add(filter.thread_id)}`);
  if (filter.enabled !== undefined) clauses.push(`enabled = ${params.add(filter.enabled)}`);
  if (filter.metadata && Object.keys(filter.metadata).length > 0) clauses.push(`metadata @> ${params.json(filter.metadata)}`);
  if (filter.authFilter !== undefined) clauses.push(`metadata @> ${params.json(filter.authFilter)}`);
  return clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
}

const PATCHABLE = ["schedule", "timezone", "end_time", "payload", "metadata", "enabled", "on_run_completed", "next_run_date"] as const;
const JSON_COLUMNS = new Set<string>(["payload", "metadata"]);

export class PostgresCronStore implements CronStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(cron: Cron): Promise<Cron> {
    const p = new Params();
    const values = [
      p.add(cron.cron_id),
      p.add(cron.assistant_id),
      p.add(cron.thread_id),
      p.add(cron.user_id),
      p.add(cron.schedule),
      p.add(cron.timezone),
      p.add(cron.end_time),
      p.json(cron.payload),
      p.json(cron.metadata),
      p.add(cron.enabled),
      p.add(cron.on_run_completed),
      p.add(cron.next_run_date),
      p.add(cron.created_at),
      p.add(cron.updated_at),
    ];
    try {
      const { rows } = await this.pool.query<CronRow>(
        `INSERT INTO app_crons (${CRON_COLUMNS}) VALUES (${values.join(", ")}) RETURNING ${CRON_COLUMNS}`,
        p.values,
      );
      return toCron(rows[0] as CronRow);
    } catch (error) {
      if (pgCode(error) === "23505") throw conflict(`Cron ${cron.cron_id} already exists`);
      throw error;
    }
  }

  async get(cronId: string): Promise<Cron | undefined> {
    const { rows } = await this.pool.query<CronRow>(`SELECT ${CRON_COLUMNS} FROM app_crons WHERE cron_id = $1`, [cronId]);
    return rows[0] ? toCron(rows[0]) : undefined;
  }

  async update(cronId: string, patch: CronPatch): Promise<Cron | undefined> {
    const p = new Params();
    const sets = ["updated_at = clock_timestamp()"];
    for (const key of PATCHABLE) {
      if (patch[key] === undefined) continue;
      sets.push(`${key} = ${JSON_COLUMNS.has(key) ? p.json(patch[key]) : p.add(patch[key])}`);
    }
    const { rows } = await this.pool.query<CronRow>(
      `UPDATE app_crons SET ${sets.join(", ")} WHERE cron_id = ${p.add(cronId)} RETURNING ${CRON_COLUMNS}`,
      p.values,
    );
    return rows[0] ? toCron(rows[0]) : undefined;
  }

  async delete(cronId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM app_crons WHERE cron_id = $1", [cronId]);
    return (rowCount ?? 0) > 0;
  }

  async search(query: CronSearch): Promise<Cron[]> {
    const p = new Params();
    const sortBy = CRON_SORT_FIELDS.includes(query.sort_by ?? "created_at") ? (query.sort_by ?? "created_at") : "created_at";
    const order = query.sort_order === "asc" ? "ASC" : "DESC";
    const sql = `SELECT ${CRON_COLUMNS} FROM app_crons ${where(query, p)} ORDER BY ${sortBy} ${order}, seq ${order} LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`;
    const { rows } = await this.pool.query<CronRow>(sql, p.values);
    return rows.map(toCron);
  }

  async count(filter: CronFilter): Promise<number> {
    const p = new Params();
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM app_crons ${where(filter, p)}`, p.values);
    return Number(rows[0]?.n ?? 0);
  }

  async claimDue(now: Date, workerId: string, limit: number, next: (cron: Cron) => Date | null): Promise<ClaimedFiring[]> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<CronRow>(
        `SELECT ${CRON_COLUMNS} FROM app_crons
          WHERE enabled AND next_run_date IS NOT NULL AND next_run_date <= $1
          ORDER BY next_run_date LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now.toISOString(), limit],
      );
      const claimed: ClaimedFiring[] = [];
      for (const row of rows) {
        const cron = toCron(row);
        const dueAt = cron.next_run_date as string;
        const following = next(cron);
        const advanced = await client.query<CronRow>(`UPDATE app_crons SET next_run_date = $2 WHERE cron_id = $1 RETURNING ${CRON_COLUMNS}`, [
          cron.cron_id,
          following ? following.toISOString() : null,
        ]);
        const inserted = await client.query<FiringRow>(
          `INSERT INTO app_cron_firings (cron_id, due_at, claimed_by) VALUES ($1, $2, $3)
           ON CONFLICT (cron_id, due_at) DO NOTHING RETURNING ${FIRING_COLUMNS}`,
          [cron.cron_id, dueAt, workerId],
        );
        const firing = inserted.rows[0];
        if (firing && advanced.rows[0]) claimed.push({ cron: toCron(advanced.rows[0]), firing: toFiring(firing) });
      }
      return claimed;
    });
  }

  async settleFiring(cronId: string, dueAt: string, outcome: FiringOutcome): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE app_cron_firings SET status = $3, run_id = $4, thread_id = $5, error = $6
        WHERE cron_id = $1 AND due_at = $2 AND status = 'claimed'`,
      [cronId, dueAt, outcome.status, outcome.run_id ?? null, outcome.thread_id ?? null, outcome.error ?? null],
    );
    return (rowCount ?? 0) > 0;
  }

  async staleFirings(claimedBefore: Date, limit: number): Promise<ClaimedFiring[]> {
    const { rows } = await this.pool.query<FiringRow & { cron: CronRow }>(
      `SELECT ${FIRING_COLUMNS.split(", ")
        .map((c) => `f.${c}`)
        .join(", ")}, row_to_json(c.*) AS cron
         FROM app_cron_firings f JOIN app_crons c USING (cron_id)
        WHERE f.status = 'claimed' AND f.claimed_at < $1
        ORDER BY f.claimed_at LIMIT $2`,
      [claimedBefore.toISOString(), limit],
    );
    return rows.map((r) => {
      const raw = r.cron as unknown as Record<string, unknown>;
      const dates = ["end_time", "next_run_date", "created_at", "updated_at"] as const;
      const cronRow = { ...raw } as unknown as CronRow;
      for (const key of dates) (cronRow as unknown as Record<string, unknown>)[key] = raw[key] == null ? null : new Date(raw[key] as string);
      return { cron: toCron(cronRow), firing: toFiring(r) };
    });
  }

  async firings(cronId: string, limit: number): Promise<CronFiring[]> {
    const { rows } = await this.pool.query<FiringRow>(
      `SELECT ${FIRING_COLUMNS} FROM app_cron_firings WHERE cron_id = $1 ORDER BY due_at DESC LIMIT $2`,
      [cronId, limit],
    );
    return rows.map(toFiring);
  }

  async truncate(): Promise<void> {
    await this.pool.query("TRUNCATE app_cron_firings, app_crons");
  }
}
