// Picks the persistence backend from resolved settings. The only place that
// knows which backends exist.
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { ResolvedSettings } from "../settings.ts";
import type { Persistence } from "./types.ts";
import { createMemoryPersistence } from "./memory/index.ts";
import { GenericCheckpointAdmin } from "./generic-checkpoint-admin.ts";
import { instrumentSaver } from "./instrumented-saver.ts";

export async function createPersistence(settings: ResolvedSettings): Promise<Persistence> {
  const persistence = await createBackend(settings);
  instrumentSaver(persistence.checkpointer);
  return persistence;
}

async function createBackend(settings: ResolvedSettings): Promise<Persistence> {
  if (settings.checkpointerScheme === "postgres") {
    const { createPostgresPersistence } = await import("./postgres/index.ts");
    return createPostgresPersistence({
      uri: settings.checkpointerUri as string,
      setupSchema: settings.checkpointerOptions.setupSchema,
      poolSize: settings.checkpointerOptions.poolSize,
      connectionTimeoutMillis: settings.checkpointerOptions.connectionTimeoutMillis,
      startupRetryMillis: settings.checkpointerOptions.startupRetryMillis,
      storeDefaultTtlMinutes: settings.storeTtl.defaultTtlMinutes,
      storeRefreshOnRead: settings.storeTtl.refreshOnRead,
    });
  }
  const memory = createMemoryPersistence({
    storeDefaultTtlMinutes: settings.storeTtl.defaultTtlMinutes,
    storeRefreshOnRead: settings.storeTtl.refreshOnRead,
  });
  if (settings.checkpointerScheme === "custom" && settings.checkpointer) {
    const custom = settings.checkpointer;
    const checkpointer: BaseCheckpointSaver = typeof custom === "function" ? await custom() : custom;
    return { ...memory, scheme: "custom", checkpointer, checkpoints: new GenericCheckpointAdmin(checkpointer) };
  }
  return memory;
}

export type { Persistence } from "./types.ts";
