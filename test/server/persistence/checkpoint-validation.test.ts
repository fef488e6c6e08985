// LangGraph's checkpointer conformance suite against the PostgresSaver as
// skeino wires it: every checkpointer comes from createPostgresPersistence
// (our pool, our migrations, our saver subclass) on a fresh database.
// The package's CLI is broken in 1.1.1 and its specs use vitest globals, so
// we expose the globals and call specTest ourselves (research §2).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from "vitest";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CheckpointSaverTestInitializer } from "@langchain/langgraph-checkpoint-validation";
import type { Persistence } from "../../../src/server/persistence/types.ts";
import { createPostgresPersistence } from "../../../src/server/persistence/postgres/index.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test });
const { specTest, deltaChannelHistoryTests } = await import("@langchain/langgraph-checkpoint-validation");

const opened = new Map<BaseCheckpointSaver, { persistence: Persistence; db: TestDatabase }>();

const initializer: CheckpointSaverTestInitializer<BaseCheckpointSaver> = {
  checkpointerName: "skeino PostgresSaver",
  async createCheckpointer() {
    const db = await createTestDatabase();
    const persistence = await createPostgresPersistence({ uri: db.uri, poolSize: 4 });
    opened.set(persistence.checkpointer, { persistence, db });
    return persistence.checkpointer;
  },
  async destroyCheckpointer(checkpointer) {
    const entry = opened.get(checkpointer);
    opened.delete(checkpointer);
    await entry?.persistence.close();
    await entry?.db.drop();
  },
};

specTest(initializer);
deltaChannelHistoryTests(initializer);
