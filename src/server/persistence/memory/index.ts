// Everything in process memory: lost when the process ends, by design.
import { MemorySaver, InMemoryStore } from "@langchain/langgraph-checkpoint";
import type { Persistence } from "../types.ts";
import { MemoryMetadataStore } from "./metadata-store.ts";
import { MemoryCheckpointAdmin } from "./checkpoint-admin.ts";
import { MemoryCronStore } from "./cron-store.ts";

/** InMemoryStore plus the truncate the test-suite route needs. */
class MemoryItemStore extends InMemoryStore {
  async truncate(): Promise<void> {
    const internals = this as unknown as { data: Map<string, unknown>; vectors?: Map<string, unknown> };
    internals.data.clear();
    internals.vectors?.clear();
  }
}

export function createMemoryPersistence(): Persistence {
  const checkpointer = new MemorySaver();
  const store = new MemoryItemStore();
  const metadata = new MemoryMetadataStore();
  return {
    scheme: "memory",
    metadata,
    crons: new MemoryCronStore(),
    checkpointer,
    checkpoints: new MemoryCheckpointAdmin(checkpointer),
    store,
    close: async () => {},
  };
}
