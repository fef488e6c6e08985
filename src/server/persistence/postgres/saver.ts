// PostgresSaver as skeino wires it: over skeino's pool, and with a fix for
// langgraphjs#1812 (open upstream). The base getNextVersion counts 1, 2,
// 3... per channel, and checkpoint_blobs is keyed by (thread, ns, channel,
// version) with INSERT ... ON CONFLICT DO NOTHING. Two branches of one thread
// (a fork or time travel from an earlier checkpoint) both write version N+1
// of a channel; the second branch's value is silently dropped and its
// checkpoints read the first branch's value. We make versions globally unique
// the way the Python savers do: "<counter, zero-padded to 32>.<16 random
// hex>". LangGraph compares versions with `>` and localeCompare, so the zero
// padding keeps the order by counter. Threads whose checkpoints already hold
// integer versions keep counting in integers (a mix would compare a number to
// a string): new threads get the fix. test/server/persistence/issue-1812.test.ts
// reproduces the bug with the stock saver and checks ours.
//
// Writes are batched (issue #15): the stock saver sends BEGIN, one INSERT
// per blob, the checkpoint's INSERT and COMMIT for every put, and BEGIN, one
// INSERT per write and COMMIT for every putWrites. Ours sends each as ONE
// statement (a CTE over unnest()ed arrays): same rows, same ON CONFLICT
// rules, same atomicity (a statement is its own transaction) and the same
// commit, a third of the round trips. Named, so PostgreSQL plans each once
// per connection.
//
// Inside a run (its config carries a run_id) those commits do not wait for
// the WAL flush (synchronous_commit off for that statement only): the run's
// end is committed synchronously after them, and a flush covers all WAL
// before it, so an acknowledged run's checkpoints are durable. A server
// (node) killed mid-run loses nothing: the commits are done. Only a crash of
// PostgreSQL itself may lose the last few hundred milliseconds of a run
// still in progress, which then resumes from an earlier checkpoint, as if it
// had crashed a step earlier. Outside runs (state updates, forks) every
// write is flushed before it returns.
//
// Run metadata (run_id...) in checkpoints is added for every backend by
// ../instrumented-saver.ts, not here.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { ChannelVersions, Checkpoint, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";
import { WRITES_IDX_MAP } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";

/** The CTE that turns synchronous_commit off for the statement's own transaction; the statement must read it. */
const ASYNC = `async_commit AS (SELECT set_config('synchronous_commit', 'off', true) AS off)`;

const putSql = (async: boolean) => `
WITH ${async ? `${ASYNC}, ` : ""}blobs AS (
  INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
  SELECT $1, $2, u.channel, u.version, u.type, u.blob
    FROM unnest($7::text[], $8::text[], $9::text[], $10::bytea[]) AS u(channel, version, type, blob)
  ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING)
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::jsonb${async ? " FROM async_commit" : ""}
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`;

const writesSql = (async: boolean, upsert: boolean) => `
${async ? `WITH ${ASYNC}\n` : ""}INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
SELECT $1, $2, $3, $4, u.idx, u.channel, u.type, u.blob
  FROM ${async ? "async_commit, " : ""}unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS u(idx, channel, type, blob)
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${
  // Only special channels (errors, interrupts...): the last write of an index
  // wins, as in the stock saver; otherwise retries keep the first one.
  upsert ? "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob" : "DO NOTHING"
}`;

const STATEMENTS = {
  put: { sync: putSql(false), async: putSql(true) },
  upsertWrites: { sync: writesSql(false, true), async: writesSql(true, true) },
  insertWrites: { sync: writesSql(false, false), async: writesSql(true, false) },
};

/** Inside a run: the run's end commits (and flushes) after every write of it. */
const inRun = (config: RunnableConfig) => typeof config.configurable?.run_id === "string";

/** The saver's tables in its default schema "public". */
export const SAVER_TABLES = ["checkpoint_migrations", "checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const;

export function nextUniqueVersion(current: string | number | undefined): string | number {
  if (typeof current === "number") return current + 1;
  const counter = current ? Number.parseInt(current.split(".")[0] ?? "0", 10) || 0 : 0;
  return `${String(counter + 1).padStart(32, "0")}.${randomBytes(8).toString("hex")}`;
}

export class SkeinoPostgresSaver extends PostgresSaver {
  constructor(private readonly writePool: pg.Pool) {
    super(writePool);
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id: threadId, checkpoint_ns: ns = "", checkpoint_id: parentId } = config.configurable as Record<string, string | undefined>;
    // Serialized before a connection is taken (research §1.5: serializing
    // inside a transaction once starved the pool).
    const [blobs, serializedMetadata] = await Promise.all([
      this._dumpBlobs(threadId as string, ns, checkpoint.channel_values, newVersions),
      this._dumpMetadata(metadata),
    ]);
    await this.writePool.query({
      name: inRun(config) ? "skeino_checkpoint_put_in_run" : "skeino_checkpoint_put",
      text: inRun(config) ? STATEMENTS.put.async : STATEMENTS.put.sync,
      values: [
        threadId,
        ns,
        checkpoint.id,
        parentId,
        this._dumpCheckpoint(checkpoint),
        serializedMetadata,
        blobs.map((b) => b[2]),
        blobs.map((b) => b[3]),
        blobs.map((b) => b[4]),
        blobs.map((b) => b[5] ?? null),
      ],
    });
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const upsert = writes.every((w) => w[0] in WRITES_IDX_MAP);
    const dumped = await this._dumpWrites(
      config.configurable?.thread_id as string,
      config.configurable?.checkpoint_ns as string,
      config.configurable?.checkpoint_id as string,
      taskId,
      writes,
    );
    if (dumped.length === 0) return;
    // One row per index: a statement may not upsert a row twice. The stock
    // saver's row-by-row statements keep the last (upsert) or first (insert) one.
    const byIdx = new Map<number, (typeof dumped)[number]>();
    for (const row of dumped) if (upsert || !byIdx.has(row[4])) byIdx.set(row[4], row);
    const rows = [...byIdx.values()];
    const first = rows[0] as (typeof dumped)[number];
    await this.writePool.query({
      name: `skeino_checkpoint_${upsert ? "upsert" : "insert"}_writes${inRun(config) ? "_in_run" : ""}`,
      text: STATEMENTS[upsert ? "upsertWrites" : "insertWrites"][inRun(config) ? "async" : "sync"],
      values: [
        first[0],
        first[1] ?? "",
        first[2],
        first[3],
        rows.map((r) => r[4]),
        rows.map((r) => r[5]),
        rows.map((r) => r[6]),
        rows.map((r) => r[7]),
      ],
    });
  }

  // PostgresSaver types its versions as numbers (BaseCheckpointSaver<number>);
  // LangGraph and the saver handle strings at runtime (blob versions are TEXT).
  override getNextVersion(current: number | undefined): number {
    return nextUniqueVersion(current as string | number | undefined) as unknown as number;
  }

  /** The pool belongs to the persistence layer (saver.end() would end the shared pool). */
  override async end(): Promise<void> {}
}
