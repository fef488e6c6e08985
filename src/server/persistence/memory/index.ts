// Everything in process memory: lost when the process ends, by design.
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import type { Persistence } from "../types.ts";
import { MemoryMetadataStore } from "./metadata-store.ts";
import { MemoryCheckpointAdmin } from "./checkpoint-admin.ts";
import { MemoryThreadEventLog } from "./thread-event-log.ts";
import { MemoryCronStore } from "./cron-store.ts";
import { MemoryItemStore } from "./item-store.ts";
import { MemoryTtlStore } from "./ttl-store.ts";

export interface MemoryPersistenceOptions {
  /** Default ttl (minutes) of store items written without one. */
  storeDefaultTtlMinutes?: number;
  /** Store reads push the expiry of what they return forward (default true). */
  storeRefreshOnRead?: boolean;
}

export function createMemoryPersistence(options: MemoryPersistenceOptions = {}): Persistence {
  const checkpointer = new MemorySaver();
  const store = new MemoryItemStore(options.storeDefaultTtlMinutes, options.storeRefreshOnRead);
  const metadata = new MemoryMetadataStore();
  return {
    scheme: "memory",
    metadata,
    crons: new MemoryCronStore(),
    ttl: new MemoryTtlStore(metadata, store),
    checkpointer,
    checkpoints: new MemoryCheckpointAdmin(checkpointer),
    threadEvents: new MemoryThreadEventLog(),
    store,
    close: async () => {},
  };
}
