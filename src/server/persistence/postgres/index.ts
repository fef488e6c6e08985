// The PostgreSQL backend: one pool skeino owns, shared by the LangGraph
// saver, the LangGraph store and the metadata store. Connects and migrates
// (or verifies) before resolving, so a bad URI or a missing table fails at
// startup with a clear PostgresSetupError, not on the first run.
import type pg from "pg";
import type { Persistence } from "../types.ts";
import { PostgresCheckpointAdmin } from "./checkpoint-admin.ts";
import { describePostgresError, explainRuntimeError, redactUri, validatePostgresUri } from "./errors.ts";
import { PostgresMetadataStore } from "./metadata-store.ts";
import { migrate, verifySchema, type MigrationResult } from "./migrations.ts";
import { createOwnedPool, DEFAULT_CONNECTION_TIMEOUT_MS, type OwnedPool } from "./pool.ts";
import { SkeinoPostgresSaver } from "./saver.ts";
import { SharedPoolPostgresStore } from "./store.ts";
import { PostgresRunBus } from "./run-bus.ts";
import { PostgresThreadEventLog } from "./thread-event-log.ts";
import { PostgresCronStore } from "./cron-store.ts";
import { PostgresTtlStore } from "./ttl-store.ts";

export interface PostgresPersistenceOptions {
  uri: string;
  /** Default true: create/upgrade tables at startup. false: create nothing, verify they exist. */
  setupSchema?: boolean;
  poolSize?: number;
  connectionTimeoutMillis?: number;
  applicationName?: string;
  /** Where lost-connection errors go (default: one line on stderr). */
  onConnectionError?: (error: Error) => void;
  /**
   * Keep retrying for this long while nothing listens yet (ECONNREFUSED) or
   * the server is still starting (57P03), e.g. when skeino and PostgreSQL
   * start together. Default 0: fail at once. Other failures never retry.
   */
  startupRetryMillis?: number;
  /** Default ttl (minutes) of store items written without one. */
  storeDefaultTtlMinutes?: number;
  /** Store reads push the expiry of what they return forward (default true). */
  storeRefreshOnRead?: boolean;
}

const RETRYABLE = new Set(["ECONNREFUSED", "57P03"]);

async function firstConnection(pool: pg.Pool, retryMillis: number): Promise<void> {
  const deadline = Date.now() + retryMillis;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      await pool.query("SELECT 1");
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== "string" || !RETRYABLE.has(code) || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export { PostgresSetupError, redactUri } from "./errors.ts";

async function openPool(options: PostgresPersistenceOptions): Promise<OwnedPool> {
  validatePostgresUri(options.uri);
  const owned = createOwnedPool({
    uri: options.uri,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMillis,
    applicationName: options.applicationName,
    onConnectionError: options.onConnectionError,
  });
  try {
    await firstConnection(owned.pool, options.startupRetryMillis ?? 0);
    return owned;
  } catch (error) {
    await owned.close().catch(() => {});
    throw describePostgresError(error, options.uri, options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS);
  }
}

export async function createPostgresPersistence(options: PostgresPersistenceOptions): Promise<Persistence> {
  const owned = await openPool(options);
  const { pool } = owned;
  try {
    if (options.setupSchema === false) await verifySchema(pool, redactUri(options.uri));
    else await migrate(pool);
  } catch (error) {
    await owned.close().catch(() => {});
    throw describePostgresError(error, options.uri, options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS);
  }
  const bus = new PostgresRunBus(pool, () => owned.connectDedicated(), options.onConnectionError);
  const metadata = new PostgresMetadataStore(pool, () => owned.connectDedicated(), bus.identity);
  try {
    await bus.start();
  } catch (error) {
    await metadata.close().catch(() => {});
    await owned.close().catch(() => {});
    throw describePostgresError(error, options.uri, options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS);
  }
  let closing: Promise<void> | undefined;
  return {
    scheme: "postgres",
    bus,
    metadata,
    crons: new PostgresCronStore(pool),
    ttl: new PostgresTtlStore(pool),
    checkpointer: new SkeinoPostgresSaver(pool),
    checkpoints: new PostgresCheckpointAdmin(pool),
    threadEvents: new PostgresThreadEventLog(pool, bus),
    store: new SharedPoolPostgresStore(pool, options.storeDefaultTtlMinutes, options.storeRefreshOnRead),
    explainError: explainRuntimeError,
    // Drain first (the caller stops its runs), then end the pool exactly once.
    close: () =>
      (closing ??= (async () => {
        await bus.close();
        await metadata.close();
        await owned.close();
      })()),
  };
}

/** `skeino db migrate --uri ...`: applies every migration, then disconnects. */
export async function migratePostgres(options: Omit<PostgresPersistenceOptions, "setupSchema">): Promise<MigrationResult> {
  const owned = await openPool(options);
  try {
    return await migrate(owned.pool);
  } catch (error) {
    throw describePostgresError(error, options.uri, options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS);
  } finally {
    await owned.close();
  }
}
