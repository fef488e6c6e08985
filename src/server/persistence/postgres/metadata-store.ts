// MetadataStore over PostgreSQL: assistants, threads and runs in the app_*
// tables (migrations.ts), one module each; this composes them over one pool.
import type pg from "pg";
import type { MetadataStore } from "../types.ts";
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

  close(): Promise<void> {
    return this.liveness.close();
  }
}
