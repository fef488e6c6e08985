// MetadataStore over PostgreSQL: assistants, threads and runs in the app_*
// tables (migrations.ts), one module each; this composes them over one pool.
import type pg from "pg";
import type { Assistant, MetadataStore, Thread } from "../types.ts";
import { ASSISTANT_AND_THREAD_SQL, toAssistant, toThread, unprefixed, type AssistantRow, type ThreadRow } from "./metadata-sql.ts";
import { postgresAssistantStore } from "./assistant-store.ts";
import { PostgresRunStore, type BusIdentity } from "./run-store.ts";
import { postgresThreadStore } from "./thread-store.ts";
import { WorkerLiveness, type ConnectDedicated } from "./worker-liveness.ts";

export type { BusIdentity } from "./run-store.ts";
export type { ConnectDedicated } from "./worker-liveness.ts";

export class PostgresMetadataStore implements MetadataStore {
  readonly assistants: MetadataStore["assistants"];
  readonly threads: MetadataStore["threads"];
  readonly runs: MetadataStore["runs"];
  private readonly liveness: WorkerLiveness;

  // `pool` is kept as a field: tests look through it at the statements the store sends.
  constructor(
    private readonly pool: pg.Pool,
    connectDedicated: ConnectDedicated,
    bus?: BusIdentity,
  ) {
    this.liveness = new WorkerLiveness(connectDedicated);
    this.assistants = postgresAssistantStore(pool);
    const threads = postgresThreadStore(pool);
    this.threads = threads;
    this.runs = new PostgresRunStore(pool, this.liveness, async (id) => (await threads.get(id)) !== undefined, bus).runs;
  }

  /** A run's creation reads both: one statement, not two (issue #15). */
  async assistantAndThread(assistantId: string, threadId: string): Promise<{ assistant?: Assistant; thread?: Thread }> {
    const { rows } = await this.pool.query<Record<string, unknown>>({
      name: "skeino_assistant_and_thread",
      text: ASSISTANT_AND_THREAD_SQL,
      values: [assistantId, threadId],
    });
    const row = rows[0] ?? {};
    const assistant = unprefixed<AssistantRow>(row, "a", "assistant_id");
    const thread = unprefixed<ThreadRow>(row, "t", "thread_id");
    return { assistant: assistant && toAssistant(assistant), thread: thread && toThread(thread) };
  }

  close(): Promise<void> {
    return this.liveness.close();
  }
}
