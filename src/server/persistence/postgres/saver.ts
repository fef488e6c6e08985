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
// Inside a run, a task's writes are held back and sent in the statement of
// the step's next checkpoint (./run-write-buffer.ts says when else, and why a
// crash loses nothing more): for the usual step of one task, one commit
// instead of two.
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
import { randomFillSync } from "node:crypto";
import type pg from "pg";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { ChannelVersions, Checkpoint, CheckpointListOptions, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { RunWriteBuffer, writeRows, type WriteRow } from "./run-write-buffer.ts";
import { named } from "./sql.ts";

/** The CTE that turns synchronous_commit off for the statement's own transaction; the statement must read it. */
const ASYNC = `async_commit AS (SELECT set_config('synchronous_commit', 'off', true) AS off)`;

const BLOBS = `blobs AS (
  INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
  SELECT $1, $2, u.channel, u.version, u.type, u.blob
    FROM unnest($7::text[], $8::text[], $9::text[], $10::bytea[]) AS u(channel, version, type, blob)
  ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING)`;

const WRITE_COLUMN_TYPES = ["text", "text", "text", "text", "int", "text", "text", "bytea"] as const;

/** Rows of checkpoint_writes from eight arrays starting at parameter `$first`. */
const writesCte = (name: string, first: number, upsert: boolean) => `${name} AS (
  INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
  SELECT u.thread_id, u.checkpoint_ns, u.checkpoint_id, u.task_id, u.idx, u.channel, u.type, u.blob
    FROM unnest(${WRITE_COLUMN_TYPES.map((type, i) => `$${first + i}::${type}[]`).join(", ")})
      AS u(thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
  ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${
    // Special channels (errors, interrupts...): the last write of an index
    // wins, as in the stock saver; otherwise retries keep the first one.
    upsert ? "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob" : "DO NOTHING"
  })`;

/** A checkpoint, its new blobs and, with `writes`, the rows held for it ($11..$26). */
const putSql = (async: boolean, writes: boolean) => `
WITH ${[async ? ASYNC : "", BLOBS, writes ? writesCte("inserted", 11, false) : "", writes ? writesCte("upserted", 19, true) : ""].filter(Boolean).join(",\n")}
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::jsonb${async ? " FROM async_commit" : ""}
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`;

/** Writes alone ($1..$16): a run's held rows on their own, or a putWrites outside runs. */
const writesSql = (async: boolean) => `
WITH ${[async ? ASYNC : "", writesCte("inserted", 1, false), writesCte("upserted", 9, true)].filter(Boolean).join(",\n")}
SELECT ${async ? "off FROM async_commit" : "1"}`;

const STATEMENTS = {
  put: { sync: putSql(false, false), async: putSql(true, false) },
  putWithWrites: putSql(true, true),
  writes: { sync: writesSql(false), async: writesSql(true) },
};

/** The sixteen array parameters of writesCte("inserted"), writesCte("upserted"). */
function writeParams(rows: WriteRow[]): unknown[] {
  const columns = (part: WriteRow[]) => [
    part.map((r) => r.threadId),
    part.map((r) => r.ns),
    part.map((r) => r.checkpointId),
    part.map((r) => r.taskId),
    part.map((r) => r.idx),
    part.map((r) => r.channel),
    part.map((r) => r.type),
    part.map((r) => r.blob),
  ];
  return [...columns(rows.filter((r) => !r.upsert)), ...columns(rows.filter((r) => r.upsert))];
}

/** Inside a run: the run's end commits (and flushes) after every write of it. */
const runIdOf = (config: RunnableConfig) => {
  const runId = config.configurable?.run_id;
  return typeof runId === "string" ? runId : undefined;
};

/** The saver's tables in its default schema "public". */
export const SAVER_TABLES = ["checkpoint_migrations", "checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const;

/**
 * Random bytes for versions, drawn 8 at a time from one buffer: a run makes
 * several versions, and a randomBytes(8) call each was measurable (a sync
 * call into the entropy source per version, as randomUUID avoids the same way).
 */
const entropy = { buffer: Buffer.alloc(4096), offset: 4096 };
function randomHex8(): string {
  if (entropy.offset + 8 > entropy.buffer.length) {
    randomFillSync(entropy.buffer);
    entropy.offset = 0;
  }
  entropy.offset += 8;
  return entropy.buffer.toString("hex", entropy.offset - 8, entropy.offset);
}

export function nextUniqueVersion(current: string | number | undefined): string | number {
  if (typeof current === "number") return current + 1;
  const counter = current ? Number.parseInt(current.split(".")[0] ?? "0", 10) || 0 : 0;
  return `${String(counter + 1).padStart(32, "0")}.${randomHex8()}`;
}

/** The WHERE clauses of the stock getTuple (by id, and the latest): its queries' texts end with one. */
const GET_TUPLE_WHERE = [
  "WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id = $3",
  "WHERE thread_id = $1 AND checkpoint_ns = $2 ORDER BY checkpoint_id DESC LIMIT 1",
];

/**
 * The pool as the stock saver sees it: its getTuple queries become named
 * statements, planned once per connection (unnamed, PostgreSQL planned each
 * one: 136 us of a run's start, measured with pg_stat_statements). Other
 * reads (list's texts carry their LIMIT inline) run as the stock saver sends them.
 */
function preparedReads(pool: pg.Pool): pg.Pool {
  const query = (text: unknown, values?: unknown[]) =>
    typeof text === "string" && Array.isArray(values) && GET_TUPLE_WHERE.some((where) => text.endsWith(where))
      ? pool.query(named(text, values))
      : pool.query(text as string, values);
  return new Proxy(pool, {
    get(target, property) {
      if (property === "query") return query;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export class SkeinoPostgresSaver extends PostgresSaver {
  /** Each run's writes, held until its next checkpoint (./run-write-buffer.ts). */
  private readonly held: RunWriteBuffer;

  constructor(private readonly writePool: pg.Pool) {
    super(preparedReads(writePool));
    this.held = new RunWriteBuffer((rows) => this.sendWrites(rows, true));
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
    const values = [
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
    ];
    const runId = runIdOf(config);
    if (runId === undefined) {
      await this.writePool.query({ name: "skeino_checkpoint_put", text: STATEMENTS.put.sync, values });
    } else {
      await this.held.sendWith(runId, async (rows) => {
        await this.writePool.query(
          rows.length === 0
            ? { name: "skeino_checkpoint_put_in_run", text: STATEMENTS.put.async, values }
            : { name: "skeino_checkpoint_put_with_writes", text: STATEMENTS.putWithWrites, values: [...values, ...writeParams(rows)] },
        );
      });
    }
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpointId } = config.configurable as Record<string, string>;
    const rows = this._dumpWrites(threadId, ns, checkpointId, taskId, writes).then((dumped) => writeRows(dumped, writes));
    const runId = runIdOf(config);
    if (runId === undefined) return this.sendWrites(await rows, false);
    // Held synchronously, so a put called before the serialization ends still carries these rows.
    this.held.hold(runId, threadId, rows);
    await rows;
  }

  override async getTuple(config: RunnableConfig) {
    await this.flushThreadOf(config);
    return super.getTuple(config);
  }

  override async *list(config: RunnableConfig, options?: CheckpointListOptions) {
    await this.flushThreadOf(config);
    yield* super.list(config, options);
  }

  /** Sends what `runId` holds (before the run's end is committed). */
  flushRunWrites(runId: string): Promise<void> {
    return this.held.flush(runId);
  }

  /** Forgets what `runId` holds: its checkpoints are being deleted. */
  dropRunWrites(runId: string): Promise<void> {
    return this.held.drop(runId);
  }

  private async flushThreadOf(config: RunnableConfig): Promise<void> {
    const threadId = config.configurable?.thread_id;
    if (typeof threadId === "string") await this.held.flushThread(threadId);
  }

  private async sendWrites(rows: WriteRow[], inRun: boolean): Promise<void> {
    if (rows.length === 0) return;
    await this.writePool.query({
      name: inRun ? "skeino_checkpoint_writes_in_run" : "skeino_checkpoint_writes",
      text: STATEMENTS.writes[inRun ? "async" : "sync"],
      values: writeParams(rows),
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
