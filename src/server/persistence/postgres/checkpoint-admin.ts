// Checkpoint operations the saver API lacks, straight on PostgresSaver's
// tables (schema "public"). The saver has no foreign keys, so deleting an
// app_threads row leaves its checkpoints behind: the server calls these.
import type pg from "pg";
import type { CheckpointAdmin } from "../types.ts";
import { inTransaction } from "./sql.ts";

export class PostgresCheckpointAdmin implements CheckpointAdmin {
  constructor(private readonly pool: pg.Pool) {}

  async deleteThread(threadId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM "public".checkpoint_writes WHERE thread_id = $1', [threadId]);
      await client.query('DELETE FROM "public".checkpoint_blobs WHERE thread_id = $1', [threadId]);
      await client.query('DELETE FROM "public".checkpoints WHERE thread_id = $1', [threadId]);
    });
  }

  /**
   * Multitask rollback: the checkpoints whose metadata.run_id is runId
   * (../instrumented-saver.ts records it at put()) and their writes.
   * Blobs no remaining checkpoint of the thread references are removed too.
   */
  async deleteRun(threadId: string, runId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ checkpoint_ns: string; checkpoint_id: string }>(
        `DELETE FROM "public".checkpoints WHERE thread_id = $1 AND metadata->>'run_id' = $2
         RETURNING checkpoint_ns, checkpoint_id`,
        [threadId, runId],
      );
      if (rows.length === 0) return;
      await deleteWritesAndOrphanBlobs(client, threadId, rows);
    });
  }

  /** Copies every checkpoint, blob and write of the source thread under the target id (thread copy). */
  async copyThread(sourceThreadId: string, targetThreadId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const args = [sourceThreadId, targetThreadId];
      await client.query(
        `INSERT INTO "public".checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
         SELECT $2, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
           FROM "public".checkpoints WHERE thread_id = $1
         ON CONFLICT DO NOTHING`,
        args,
      );
      await client.query(
        `INSERT INTO "public".checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
         SELECT $2, checkpoint_ns, channel, version, type, blob FROM "public".checkpoint_blobs WHERE thread_id = $1
         ON CONFLICT DO NOTHING`,
        args,
      );
      await client.query(
        `INSERT INTO "public".checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
         SELECT $2, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob
           FROM "public".checkpoint_writes WHERE thread_id = $1
         ON CONFLICT DO NOTHING`,
        args,
      );
    });
  }

  async pruneToLatest(threadId: string): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      // Checkpoint ids are uuid6: the greatest of a namespace is its newest.
      const { rows } = await client.query<{ checkpoint_ns: string; checkpoint_id: string }>(
        `DELETE FROM "public".checkpoints c
          WHERE c.thread_id = $1
            AND c.checkpoint_id < (SELECT max(k.checkpoint_id) FROM "public".checkpoints k WHERE k.thread_id = $1 AND k.checkpoint_ns = c.checkpoint_ns)
          RETURNING checkpoint_ns, checkpoint_id`,
        [threadId],
      );
      if (rows.length === 0) return 0;
      await deleteWritesAndOrphanBlobs(client, threadId, rows);
      return rows.length;
    });
  }

  async truncate(): Promise<void> {
    await this.pool.query('TRUNCATE "public".checkpoint_writes, "public".checkpoint_blobs, "public".checkpoints');
  }
}

/** After deleting checkpoints: their pending writes, and the blobs no remaining checkpoint of the thread refers to. */
async function deleteWritesAndOrphanBlobs(
  client: pg.PoolClient,
  threadId: string,
  deleted: { checkpoint_ns: string; checkpoint_id: string }[],
): Promise<void> {
  await client.query(
    `DELETE FROM "public".checkpoint_writes w
      USING unnest($2::text[], $3::text[]) AS gone(ns, id)
      WHERE w.thread_id = $1 AND w.checkpoint_ns = gone.ns AND w.checkpoint_id = gone.id`,
    [threadId, deleted.map((r) => r.checkpoint_ns), deleted.map((r) => r.checkpoint_id)],
  );
  await client.query(
    `DELETE FROM "public".checkpoint_blobs b
      WHERE b.thread_id = $1
        AND NOT EXISTS (SELECT 1 FROM "public".checkpoints c
                         WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
                           AND c.checkpoint->'channel_versions'->>b.channel = b.version)`,
    [threadId],
  );
}
