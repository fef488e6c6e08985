// Starts a real skeino server on 127.0.0.1:0 for a test file, with the SDK
// Client pointed at it, on the memory backend or a fresh PostgreSQL database.
import { Client } from "@langchain/langgraph-sdk";
import { createApp, type SkeinoApp } from "../../src/server/index.ts";
import type { SkeinoSettings } from "../../src/server/settings.ts";
import { testGraphs } from "../fixtures/graphs.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import type { GraphEntry } from "../../src/server/graphs/registry.ts";
import type { AuthOptions } from "../../src/server/auth/types.ts";

export type Backend = "memory" | "postgres";
export const BACKENDS: Backend[] = ["memory", "postgres"];

export interface TestServer {
  app: SkeinoApp;
  url: string;
  client: Client;
  backend: Backend;
  close(): Promise<void>;
}

export async function startTestServer(
  backend: Backend,
  options: { graphs?: Record<string, GraphEntry>; settings?: SkeinoSettings; auth?: AuthOptions } = {},
): Promise<TestServer> {
  let db: TestDatabase | undefined;
  const settings: SkeinoSettings = { logLevel: "error", internalTruncate: true, ...options.settings };
  if (backend === "postgres") {
    db = await createTestDatabase();
    settings.checkpointerScheme = "postgres";
    settings.checkpointerUri = db.uri;
  }
  const app = createApp({ graphs: options.graphs ?? testGraphs, settings, auth: options.auth });
  try {
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const client = new Client({ apiUrl: url, defaultHeaders: {}, callerOptions: { maxRetries: 0 } });
    return {
      app,
      url,
      client,
      backend,
      close: async () => {
        await app.close();
        await db?.drop();
      },
    };
  } catch (error) {
    await app.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    throw error;
  }
}

/** Collects every event of an SDK stream. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}
