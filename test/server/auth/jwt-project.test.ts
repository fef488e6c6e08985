// The JWT example project (test/fixtures/auth-project, the worked example of
// docs/auth.md) served by `skeino serve`: bad tokens, the shared read-only
// assistant, two users through two processes on one PostgreSQL, and the
// startup errors of an auth skeino cannot enforce.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { SignJWT } from "jose";
import { Client } from "@langchain/langgraph-sdk";
import { killAllCliChildren, runCli, startCli, type CliServer } from "../../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { CONFIG_ERROR_EXIT_CODE } from "../../../src/server/errors.ts";

const fixture = join(import.meta.dirname, "../../fixtures/auth-project");
const manifest = join(fixture, "langgraph.json");
const SECRET = "test-only-secret-of-the-auth-fixture-0123456789";

async function token(sub: string, options: { scopes?: string[]; secret?: string; expiresAt?: number } = {}): Promise<string> {
  return new SignJWT({ sub, scopes: options.scopes ?? [] })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? "5m")
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const clientAs = async (url: string, sub: string, scopes?: string[]) =>
  new Client({ apiUrl: url, defaultHeaders: { Authorization: `Bearer ${await token(sub, { scopes })}` }, callerOptions: { maxRetries: 0 } });

afterAll(async () => {
  await killAllCliChildren();
});

describe("JWT project on memory", () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCli(["--config", manifest, "--port", "0"]);
  });

  it("answers missing, malformed, expired, forged and unsigned tokens with 401 and the handler's headers", async () => {
    const expired = await token("alice", { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const forged = await token("alice", { secret: "not-the-server-secret-not-the-server-secret" });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"alice"}').toString("base64url")}.`;
    const cases: [string, Record<string, string>, string, string][] = [
      ["missing", {}, "Missing bearer token", "Bearer"],
      ["not bearer", { authorization: "Basic YWxpY2U6cHc=" }, "Missing bearer token", "Bearer"],
      ["malformed", { authorization: "Bearer not.a.jwt" }, "Invalid or expired token", 'Bearer error="invalid_token"'],
      ["expired", { authorization: `Bearer ${expired}` }, "Invalid or expired token", 'Bearer error="invalid_token"'],
      ["forged", { authorization: `Bearer ${forged}` }, "Invalid or expired token", 'Bearer error="invalid_token"'],
      ["alg none", { authorization: `Bearer ${unsigned}` }, "Invalid or expired token", 'Bearer error="invalid_token"'],
    ];
    for (const [name, headers, message, challenge] of cases) {
      const res = await fetch(`${server.url}/threads/search`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: "{}",
      });
      expect(res.status, name).toBe(401);
      expect(await res.text(), name).toBe(message);
      expect(res.headers.get("www-authenticate"), name).toBe(challenge);
    }
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });

  it("shares the graph's assistant read-only and keeps threads and store items to their owner", async () => {
    const alice = await clientAs(server.url, "alice");
    const bob = await clientAs(server.url, "bob", ["assistants:write"]);
    const [system] = await bob.assistants.search({ graphId: "agent" });
    expect(system?.metadata).toMatchObject({ created_by: "system" });
    await expect(alice.assistants.update(system!.assistant_id, { metadata: { x: 1 } })).rejects.toThrow(
      "HTTP 403: Needs the assistants:write permission",
    );
    await expect(bob.assistants.update(system!.assistant_id, { metadata: { x: 1 } })).rejects.toThrow("HTTP 404");
    const mine = await bob.assistants.create({ graphId: "agent", name: "bob's" });
    expect((await bob.assistants.update(mine.assistant_id, { name: "renamed" })).name).toBe("renamed");
    expect((await alice.assistants.get(mine.assistant_id)).name).toBe("renamed");

    const thread = await alice.threads.create();
    const state = (await alice.runs.wait(thread.thread_id, "agent", { input: {} })) as { asked_by?: string };
    expect(state.asked_by).toBe("alice");
    await expect(bob.threads.get(thread.thread_id)).rejects.toThrow("HTTP 404");
    expect(await alice.store.getItem(["alice", "notes"], "last")).toMatchObject({ value: { text: "asked" } });
    await expect(bob.store.getItem(["alice", "notes"], "last")).rejects.toThrow("HTTP 403: Not your namespace");
    expect((await bob.store.searchItems([])).items).toEqual([]);
  });
});

describe("two users through two processes on one PostgreSQL", () => {
  let db: TestDatabase;
  let a: CliServer;
  let b: CliServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startCli(["--config", manifest, "--port", "0", "--postgres-uri", db.uri]);
    b = await startCli(["--config", manifest, "--port", "0", "--postgres-uri", db.uri]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop("SIGTERM"), b?.stop("SIGTERM")]);
    await db?.drop();
  });

  it("each sees only their own threads and runs, from either process, while their runs interleave", async () => {
    const aliceOnA = await clientAs(a.url, "alice");
    const aliceOnB = await clientAs(b.url, "alice");
    const bobOnA = await clientAs(a.url, "bob");
    const bobOnB = await clientAs(b.url, "bob");
    const threads = await Promise.all([aliceOnA, bobOnB, aliceOnB, bobOnA].map((c) => c.threads.create()));
    const [t1, t2, t3, t4] = threads.map((t) => t.thread_id) as [string, string, string, string];
    // Runs created through one process, executed by whichever claims them.
    const results = await Promise.all([
      aliceOnA.runs.wait(t1, "agent", { input: { sleep: 50 } }),
      bobOnB.runs.wait(t2, "agent", { input: { sleep: 50 } }),
      aliceOnB.runs.wait(t3, "agent", { input: { sleep: 50 } }),
      bobOnA.runs.wait(t4, "agent", { input: { sleep: 50 } }),
    ]);
    expect(results.map((r) => (r as { asked_by?: string }).asked_by)).toEqual(["alice", "bob", "alice", "bob"]);
    // Alice's thread, through the other process.
    expect(await aliceOnB.runs.wait(t1, "agent", { input: {} })).toMatchObject({ asked_by: "alice" });
    for (const [client, own, foreign] of [
      [aliceOnB, [t1, t3], [t2, t4]],
      [bobOnA, [t2, t4], [t1, t3]],
    ] as const) {
      const seen = (await client.threads.search({ limit: 100 })).map((t) => t.thread_id).sort();
      expect(seen).toEqual([...own].sort());
      expect(await client.threads.count()).toBe(2);
      for (const id of foreign) {
        await expect(client.threads.get(id)).rejects.toThrow("HTTP 404");
        await expect(client.runs.list(id)).rejects.toThrow("HTTP 404");
        await expect(client.runs.wait(id, "agent", { input: {} })).rejects.toThrow("HTTP 404");
      }
    }
    expect(await aliceOnA.runs.list(t1)).toHaveLength(2);
  });
});

describe("startup errors", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "skeino-auth-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function serveWith(auth: unknown) {
    const file = join(dir, `langgraph-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify({ graphs: { agent: join(fixture, "src/agent.ts:graph") }, auth }));
    return { file, result: await runCli(["serve", "--config", file, "--port", "0"]) };
  }

  it("refuses an auth skeino cannot enforce, naming the file and the fix", async () => {
    const broken = join(fixture, "src/broken-auth.ts");
    const cases: [unknown, RegExp][] = [
      [{ path: `${broken}:noAuthenticate` }, /has no authenticate handler/],
      [{ path: `${broken}:badKey` }, /Auth\.on\("thread:read"\) names no event/],
      [{ path: `${broken}:notAnAuth` }, /must export an Auth instance/],
      [{ path: `${broken}:missing` }, /has no export "missing"/],
      [{ path: join(dir, "nowhere.ts:auth") }, /does not exist/],
      [{ path: 42 }, /"auth.path" must be/],
      [{ path: `${broken}:default`, disable_studio_auth: "yes" }, /disable_studio_auth" must be true or false/],
    ];
    for (const [auth, message] of cases) {
      const { file, result } = await serveWith(auth);
      // EX_CONFIG: the project is wrong, so a supervisor does not retry it.
      expect(result.code, JSON.stringify(auth)).toBe(CONFIG_ERROR_EXIT_CODE);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain(file);
    }
  });
});

describe("docs/auth.md", () => {
  it("shows the example project's auth.ts exactly as the tests run it", async () => {
    const { readFile } = await import("node:fs/promises");
    const doc = await readFile(join(import.meta.dirname, "../../../docs/auth.md"), "utf-8");
    const source = await readFile(join(fixture, "src/auth.ts"), "utf-8");
    expect(doc).toContain("```ts\n" + source + "```");
  });
});
