// What a user sees when the PostgreSQL backend cannot start: one
// PostgresSetupError per failure (research §5), naming the server and the fix,
// and never the password. Also: concurrent boots, and a pool that survives
// Postgres killing its connections.
import { readFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPostgresPersistence, migratePostgres, PostgresSetupError, redactUri } from "../../../src/server/persistence/postgres/index.ts";
import { describePostgresError, scrubSecrets } from "../../../src/server/persistence/postgres/errors.ts";
import { pollUntil } from "../../helpers/wait.ts";
import { MIGRATIONS, REQUIRED_TABLES } from "../../../src/server/persistence/postgres/migrations.ts";
import { createTestDatabase, runAsAdmin, TEST_CLUSTER_PASSWORD, withDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const quiet = () => {};

/** Boots the backend expecting failure; returns the error after checking it never shows `secret`. */
async function bootError(options: Parameters<typeof createPostgresPersistence>[0], secret: string): Promise<PostgresSetupError> {
  const result = await createPostgresPersistence({ onConnectionError: quiet, ...options }).then(
    async (p) => {
      await p.close();
      throw new Error("expected the boot to fail");
    },
    (error: unknown) => error,
  );
  expect(result).toBeInstanceOf(PostgresSetupError);
  const error = result as PostgresSetupError;
  expect(error.message).not.toContain(secret);
  expect(error.stack ?? "").not.toContain(secret);
  expect(JSON.stringify(error.driverError ?? {})).not.toContain(secret);
  return error;
}

function withPassword(uri: string, password: string): string {
  const url = new URL(uri);
  url.password = encodeURIComponent(password);
  return url.toString();
}

describe("redactUri", () => {
  it("hides the password in well-formed, malformed and query-string URIs", () => {
    expect(redactUri("postgres://app:s3cr%40t@db:5432/x")).toBe("postgres://app:***@db:5432/x");
    expect(redactUri("postgres://app:p@ss#1@db:5432/x")).toBe("postgres://app:***@db:5432/x");
    expect(redactUri("postgres://db:5432/x?user=app&password=hunter2&sslmode=require")).toBe(
      "postgres://db:5432/x?user=app&password=***&sslmode=require",
    );
    expect(redactUri("postgres://app@db/x")).toBe("postgres://app@db/x");
    expect(scrubSecrets("host ss#1 failed", "postgres://app:p@ss#1@db/x")).not.toContain("p@ss#1");
  });
});

describe("clear startup errors", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("rejects what is not a PostgreSQL URL before connecting", async () => {
    const garbage = await bootError({ uri: "not a uri" }, "nothing");
    expect(garbage.code).toBe("PG_BAD_URI");
    expect(garbage.message).toContain("postgres://user:password@host:5432/dbname");
    const mysql = await bootError({ uri: "mysql://root:My5ql-pw@127.0.0.1:3306/app" }, "My5ql-pw");
    expect(mysql.code).toBe("PG_BAD_URI");
    expect(mysql.message).toContain("mysql:");
    const port = await bootError({ uri: "postgres://app:Port-pw9@127.0.0.1:abc/app" }, "Port-pw9");
    expect(port.code).toBe("PG_BAD_URI");
    expect(port.message).toMatch(/port/);
  });

  it("spots unencoded special characters in the password", async () => {
    const url = new URL(db.uri);
    const error = await bootError({ uri: `postgres://postgres:p@ss#1@${url.host}/${db.name}` }, "p@ss#1");
    expect(error.code).toBe("PG_URI_UNENCODED");
    expect(error.message).toMatch(/percent-encode/);
    expect(error.message).toContain("postgres://postgres:***@");
  });

  it("names the user and server on a wrong password (28P01)", async () => {
    const wrong = "Wr0ng-Secret-42";
    const error = await bootError({ uri: withPassword(db.uri, wrong) }, wrong);
    expect(error.code).toBe("PG_AUTH_FAILED");
    expect(error.driverError?.code).toBe("28P01");
    const { hostname, port } = new URL(db.uri);
    expect(error.message).toContain(`user 'postgres' at ${hostname}:${port}`);
    expect(error.message).not.toContain(TEST_CLUSTER_PASSWORD);
  });

  it("names a missing database and how to create it (3D000)", async () => {
    const error = await bootError({ uri: withDatabase(db.uri, "does_not_exist") }, TEST_CLUSTER_PASSWORD);
    expect(error.code).toBe("PG_DB_MISSING");
    expect(error.message).toContain("Database 'does_not_exist' does not exist");
    expect(error.message).toContain("createdb does_not_exist");
  });

  it("says nothing is listening (ECONNREFUSED)", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
      });
    });
    const error = await bootError({ uri: `postgres://postgres:Refused-pw1@127.0.0.1:${port}/x` }, "Refused-pw1");
    expect(error.code).toBe("PG_REFUSED");
    expect(error.message).toContain(`Nothing is listening at 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it("with startupRetryMillis, waits for a server that starts listening a moment later", async () => {
    // A TCP proxy to the test cluster that only opens after 400 ms.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 1));
      });
    });
    const target = new URL(db.uri);
    const sockets = new Set<Socket>();
    const proxy = createServer((inbound) => {
      const outbound = connect(Number(target.port), target.hostname);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on("error", () => {});
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    const opening = new Promise<void>((resolve) => setTimeout(() => proxy.listen(port, "127.0.0.1", resolve), 400));
    const late = new URL(db.uri);
    late.port = String(port);
    try {
      // A lower bound only (a busy machine makes it later, never earlier); the
      // retry window is far longer than the 400 ms it has to bridge.
      const started = Date.now();
      const persistence = await createPostgresPersistence({ uri: late.toString(), startupRetryMillis: 60_000, onConnectionError: quiet });
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      await persistence.close();
      await opening;
    } finally {
      await opening;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("cannot resolve an unknown host (ENOTFOUND)", async () => {
    // .invalid never resolves (RFC 6761); the long connect timeout keeps a slow
    // resolver on a busy machine from turning the answer into a timeout.
    const error = await bootError({ uri: "postgres://app:Dns-pw77@no-such-host.invalid:5432/app", connectionTimeoutMillis: 30_000 }, "Dns-pw77");
    expect(error.code).toBe("PG_HOST_UNKNOWN");
    expect(error.message).toContain("no-such-host.invalid");
  });

  it("times out on a server that accepts but never answers", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      // The test's own timeout bounds a hang; the code and message prove the limit applied.
      const error = await bootError({ uri: `postgres://app:Silent-pw3@127.0.0.1:${port}/app`, connectionTimeoutMillis: 300 }, "Silent-pw3");
      expect(error.code).toBe("PG_TIMEOUT");
      expect(error.message).toContain("after 300 ms");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("explains sslmode against a server without TLS", async () => {
    const error = await bootError({ uri: `${db.uri}?sslmode=require` }, TEST_CLUSTER_PASSWORD);
    expect(error.code).toBe("PG_TLS_UNSUPPORTED");
    expect(error.message).toContain("sslmode=disable");
  });

  it("explains an untrusted or mismatched TLS certificate (sslmode=require verifies in pg)", async () => {
    // A stand-in server: answers PostgreSQL's SSLRequest with "S", then
    // speaks TLS with a self-signed certificate for CN=localhost.
    const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
    const cert = await readFile(join(fixtures, "test-only-self-signed.crt"));
    const key = await readFile(join(fixtures, "test-only-self-signed.key"));
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.once("data", () => {
        socket.write("S");
        new TLSSocket(socket, { isServer: true, key, cert }).on("error", () => {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const untrusted = await bootError({ uri: `postgres://app:Tls-pw-5@127.0.0.1:${port}/app?sslmode=require` }, "Tls-pw-5");
      expect(untrusted.code).toBe("PG_TLS_UNTRUSTED");
      expect(untrusted.driverError?.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
      expect(untrusted.message).toContain("sslmode=no-verify");
      expect(untrusted.message).toContain("sslrootcert=");
      const trustedWrongName = await bootError(
        {
          uri: `postgres://app:Tls-pw-5@127.0.0.1:${port}/app?sslmode=verify-full&sslrootcert=${join(fixtures, "test-only-self-signed.crt")}`,
        },
        "Tls-pw-5",
      );
      expect(trustedWrongName.code).toBe("PG_TLS_HOSTNAME");
      expect(trustedWrongName.message).toContain("does not match the host name '127.0.0.1'");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
    const leaked = describePostgresError(new Error("getaddrinfo ENOTFOUND Tls-pw-5"), "postgres://app:Tls-pw-5@db/app");
    expect(leaked.message).not.toContain("Tls-pw-5");
  });

  it("reports a role without CREATE privileges (42501) with the grants or the migrate route", async () => {
    const role = `app_${randomBytes(3).toString("hex")}`;
    const rolePassword = "R0le-Pw-x1";
    const restricted = await createTestDatabase();
    await runAsAdmin(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`);
    try {
      const url = new URL(restricted.uri);
      url.username = role;
      url.password = rolePassword;
      const error = await bootError({ uri: url.toString() }, rolePassword);
      expect(error.code).toBe("PG_PERMISSION");
      expect(error.message).toContain(`Role '${role}'`);
      expect(error.message).toContain("GRANT CREATE");
      expect(error.message).toContain("skeino db migrate");
      // Migrated by the owner, the restricted role can run with setupSchema: false.
      await migratePostgres({ uri: restricted.uri });
      await runAsAdmin(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`, restricted.name);
      const persistence = await createPostgresPersistence({ uri: url.toString(), setupSchema: false, onConnectionError: quiet });
      expect(await persistence.metadata.threads.count({})).toBe(0);
      await persistence.close();
    } finally {
      await restricted.drop();
      await runAsAdmin(`DROP ROLE IF EXISTS ${role}`);
    }
  });
});

describe("setupSchema: false", () => {
  it("creates nothing and names every missing table and the fix", async () => {
    const empty = await createTestDatabase();
    try {
      const error = await bootError({ uri: empty.uri, setupSchema: false }, TEST_CLUSTER_PASSWORD);
      expect(error.code).toBe("PG_SCHEMA_MISSING");
      for (const table of REQUIRED_TABLES) expect(error.message).toContain(table);
      expect(error.message).toContain(`skeino db migrate --uri ${redactUri(empty.uri)}`);
      expect(error.message).toContain("remove setupSchema: false");
      const client = new pg.Client(empty.uri);
      await client.connect();
      const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      expect(rows[0].n).toBe(0);
      // One table dropped after a migration: only that one is named.
      await migratePostgres({ uri: empty.uri });
      await client.query("DROP TABLE checkpoint_writes");
      await client.end();
      const one = await bootError({ uri: empty.uri, setupSchema: false }, TEST_CLUSTER_PASSWORD);
      expect(one.message).toMatch(/has no checkpoint_writes table\./);
    } finally {
      await empty.drop();
    }
  });
});

describe("migrations", () => {
  it("four processes booting at once on an empty database all succeed", async () => {
    const empty = await createTestDatabase();
    try {
      const boots = await Promise.allSettled(
        Array.from({ length: 4 }, () => createPostgresPersistence({ uri: empty.uri, poolSize: 2, onConnectionError: quiet })),
      );
      const failures = boots.filter((b) => b.status === "rejected");
      expect(failures).toEqual([]);
      const client = new pg.Client(empty.uri);
      await client.connect();
      const ours = await client.query("SELECT version FROM skeino_migrations");
      const saver = await client.query("SELECT v FROM checkpoint_migrations ORDER BY v");
      const store = await client.query("SELECT count(*)::int AS n FROM store_migrations");
      await client.end();
      expect(ours.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(saver.rows.map((r) => r.v)).toEqual([0, 1, 2, 3, 4]);
      expect(store.rows[0].n).toBeGreaterThan(0);
      await Promise.all(boots.map((b) => (b.status === "fulfilled" ? b.value.close() : undefined)));
      // Booting again applies nothing.
      expect((await migratePostgres({ uri: empty.uri })).applied).toEqual([]);
    } finally {
      await empty.drop();
    }
  });

  it("refuses a database whose schema is newer than this skeino", async () => {
    const db = await createTestDatabase();
    try {
      await migratePostgres({ uri: db.uri });
      const client = new pg.Client(db.uri);
      await client.connect();
      await client.query("INSERT INTO skeino_migrations (version, name, checksum) VALUES (99, 'future', 'x')");
      await client.end();
      const error = await bootError({ uri: db.uri }, TEST_CLUSTER_PASSWORD);
      expect(error.code).toBe("PG_SCHEMA_NEWER");
    } finally {
      await db.drop();
    }
  });
});

describe("the owned pool", () => {
  it("survives Postgres killing its idle connections, and closes once", async () => {
    const db = await createTestDatabase();
    const lost: Error[] = [];
    const persistence = await createPostgresPersistence({ uri: db.uri, onConnectionError: (e) => lost.push(e) });
    try {
      await persistence.metadata.threads.create({ thread_id: "t" });
      await persistence.metadata.threads.create({ thread_id: "w" });
      await persistence.metadata.runs.claimNext("worker-1"); // opens the dedicated liveness connection too
      await runAsAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'skeino'`);
      // 57P01 "terminating connection due to administrator command"; the
      // dedicated liveness client may report the closed socket instead.
      await pollUntil(() => lost.some((e) => (e as Error & { code?: string }).code === "57P01"), "the pool to report its killed connections");
      // The pool reconnects: a killed idle connection not yet noticed may fail one query (as the
      // run engine retries), then a fresh one answers.
      expect(await pollUntil(() => persistence.metadata.threads.get("t"), "the pool to reconnect")).toMatchObject({ thread_id: "t" });
      // A store's stop() must not end the shared pool.
      await persistence.store.stop();
      await persistence.store.put(["ns"], "k", { ok: true });
      expect((await persistence.store.get(["ns"], "k"))?.value).toEqual({ ok: true });
      await persistence.checkpointer.getTuple({ configurable: { thread_id: "t" } });
    } finally {
      await Promise.all([persistence.close(), persistence.close()]);
      await persistence.close();
      await db.drop();
    }
  });
});
