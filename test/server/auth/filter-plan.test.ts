// An auth filter is a WHERE clause on PostgreSQL, not a scan in JavaScript:
// 10,000 threads of 100 owners, one owner's search and count read the GIN
// index on metadata. The plan of the very statement the store sent is shown.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { Auth } from "@langchain/langgraph-sdk/auth";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

const auth = new Auth()
  .authenticate((request) => request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "")
  .on("threads", ({ user }) => ({ owner: user.identity }));

describe("owner filter over 10,000 threads (postgres)", () => {
  let server: TestServer;
  let admin: pg.Pool;
  const statements: { text: string; values: unknown[] }[] = [];
  beforeAll(async () => {
    server = await startTestServer("postgres", { auth: { handler: auth }, settings: { logLevel: "silent" } });
    const uri = server.app.settings.checkpointerUri as string;
    admin = new pg.Pool({ connectionString: uri, max: 1 });
    await admin.query(
      `INSERT INTO app_threads (thread_id, metadata)
       SELECT gen_random_uuid()::text, jsonb_build_object('owner', 'user-' || (i % 100), 'graph_id', 'simple', 'n', i)
         FROM generate_series(1, 10000) AS i`,
    );
    await admin.query("ANALYZE app_threads");
    // Record what the metadata store sends (its pool is private: this is a test's window on it).
    const pool = (server.app.context.persistence.metadata as unknown as { pool: pg.Pool }).pool;
    const query = pool.query.bind(pool) as (text: string, values?: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = (text: string, values?: unknown[]) => {
      if (typeof text === "string" && text.includes("FROM app_threads")) statements.push({ text, values: values ?? [] });
      return query(text, values);
    };
  });
  afterAll(async () => {
    await admin?.end();
    await server?.close();
  });

  it("finds one owner's 100 threads through the metadata index", async () => {
    const user = new Client({ apiUrl: server.url, defaultHeaders: { Authorization: "Bearer user-7" }, callerOptions: { maxRetries: 0 } });
    statements.length = 0;
    const page = await user.threads.search({ limit: 10 });
    expect(page).toHaveLength(10);
    expect(page.every((t) => t.metadata?.owner === "user-7")).toBe(true);
    expect(await user.threads.count()).toBe(100);
    const search = statements.find((s) => s.text.includes("LIMIT"));
    expect(search?.text).toContain("metadata @> $");
    expect(search?.values).toContain(JSON.stringify({ owner: "user-7" }));
    for (const statement of statements) {
      const { rows } = await admin.query<{ "QUERY PLAN": string }>(`EXPLAIN ANALYZE ${statement.text}`, statement.values);
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      console.log(`plan of ${statement.text.replace(/\s+/g, " ").slice(0, 80)}...\n${plan}`);
      expect(plan).toContain("app_threads_metadata_gin");
      expect(plan).not.toMatch(/Seq Scan on app_threads/);
    }
  });
});
