// The one pg Pool skeino owns for a Postgres backend: the saver, the store and
// the metadata store all share it. Never PostgresSaver.fromConnString: that
// pool has no 'error' listener, and an idle connection killed by a Postgres
// restart (57P01) then crashes the whole process (research §1.5, §5 #20).
import pg from "pg";

export interface PoolOptions {
  uri: string;
  /** Pool size. An active run uses 2-4 connections with async durability (research §1.5). */
  max?: number;
  /** Bounds a hung connect and the wait for a free connection; pg ignores connect_timeout in the URI. */
  connectionTimeoutMillis?: number;
  applicationName?: string;
  /** Where lost-connection errors go; they are expected during restarts and failovers. */
  onConnectionError?: (error: Error) => void;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

export interface OwnedPool {
  readonly pool: pg.Pool;
  /** The resolved client config, for dedicated (non-pooled) connections. */
  readonly clientConfig: pg.ClientConfig;
  /** A connection outside the pool (session advisory locks), with the same error listener. */
  connectDedicated(): Promise<pg.Client>;
  /** Ends the pool once; later calls return the same promise. */
  close(): Promise<void>;
  readonly closed: boolean;
}

function defaultConnectionErrorHandler(error: Error): void {
  const code = (error as Error & { code?: string }).code;
  process.stderr.write(`skeino: lost a PostgreSQL connection${code ? ` (${code})` : ""}: ${error.message}; the pool reconnects on next use\n`);
}

export function createOwnedPool(options: PoolOptions): OwnedPool {
  const onError = options.onConnectionError ?? defaultConnectionErrorHandler;
  const clientConfig: pg.ClientConfig = {
    connectionString: options.uri,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    application_name: options.applicationName ?? "skeino",
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.max ?? DEFAULT_POOL_SIZE, idleTimeoutMillis: 30_000 });
  // Idle clients: pg-pool re-emits their errors on the pool and drops them.
  pool.on("error", onError);
  // Checked-out clients: an error between two statements would otherwise be
  // an unhandled 'error' event; the failing query still rejects normally.
  pool.on("connect", (client) => client.on("error", onError));

  let closing: Promise<void> | undefined;
  return {
    pool,
    clientConfig,
    async connectDedicated() {
      const client = new pg.Client(clientConfig);
      client.on("error", onError);
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
      return client;
    },
    close: () => (closing ??= pool.end()),
    get closed() {
      return closing !== undefined;
    },
  };
}
