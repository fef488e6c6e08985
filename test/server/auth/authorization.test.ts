// Custom auth through the SDK, on memory and PostgreSQL: every resource x
// action with a handler that allows, denies, filters, throws, returns garbage
// or returns a filter with an unknown operator; then the run routes on a
// foreign thread and the user inside runs.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { Annotation, StateGraph, START, END } from "@langchain/langgraph";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { BACKENDS, collect, startTestServer, type TestServer } from "../../helpers/server.ts";
import { testGraphs } from "../../fixtures/graphs.ts";
import type { AuthEvent } from "../../../src/server/auth/types.ts";

type Mode = "owner" | "allow" | "deny" | "throw" | "garbage" | "bad-filter";
const policy = new Map<string, Mode>();

const EVENTS: AuthEvent[] = [
  "threads:create",
  "threads:read",
  "threads:update",
  "threads:delete",
  "threads:search",
  "threads:create_run",
  "assistants:create",
  "assistants:read",
  "assistants:update",
  "assistants:delete",
  "assistants:search",
  "store:put",
  "store:get",
  "store:delete",
  "store:search",
  "store:list_namespaces",
];

let auth = new Auth().authenticate((request) => {
  const name = request.headers.get("authorization")?.replace(/^Bearer /, "");
  if (name !== "alice" && name !== "bob") throw new HTTPException(401, { message: "who are you?", headers: { "WWW-Authenticate": "Bearer" } });
  return { identity: name, permissions: [`perm:${name}`], team: "blue" };
});
for (const event of EVENTS) {
  auth = auth.on(event, ({ action, resource, value, user }) => {
    const mode = policy.get(event) ?? "owner";
    if (mode === "allow") return true;
    if (mode === "deny") return false;
    if (mode === "throw") throw new HTTPException(402, { message: "pay first" });
    if (mode === "garbage") return 42 as unknown as boolean;
    if (mode === "bad-filter") return { owner: { $regex: ".*" } } as unknown as Record<string, string>;
    if (resource === "store") return { namespace: { $contains: user.identity } };
    if (action === "create" || action === "update" || action === "create_run") {
      const v = value as { metadata?: Record<string, unknown> | null };
      v.metadata ??= {};
      v.metadata.owner = user.identity;
    }
    return { owner: user.identity };
  });
}

const State = Annotation.Root({ seen: Annotation<unknown>(), sleep: Annotation<number | undefined>() });
const whoami = new StateGraph(State)
  .addNode("look", async (state, config: LangGraphRunnableConfig) => {
    if (state.sleep) await new Promise((r) => setTimeout(r, state.sleep));
    const c = config.configurable ?? {};
    return { seen: { user: c.langgraph_auth_user, id: c.langgraph_auth_user_id, permissions: c.langgraph_auth_permissions, user_id: c.user_id } };
  })
  .addEdge(START, "look")
  .addEdge("look", END)
  .compile();

const clientFor = (url: string, name: string) =>
  new Client({ apiUrl: url, defaultHeaders: { Authorization: `Bearer ${name}` }, callerOptions: { maxRetries: 0 } });

describe.each(BACKENDS)("custom auth (%s)", (backend) => {
  let server: TestServer;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    server = await startTestServer(backend, { graphs: { ...testGraphs, whoami }, auth: { handler: auth }, settings: { logLevel: "silent" } });
    alice = clientFor(server.url, "alice");
    bob = clientFor(server.url, "bob");
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Alice's thread, assistant and store item, made under the owner policy. */
  async function aliceFixtures() {
    policy.clear();
    const thread = await alice.threads.create({ metadata: { topic: "t" } });
    const assistant = await alice.assistants.create({ graphId: "whoami", name: "alice's" });
    const key = `k-${thread.thread_id}`;
    await alice.store.putItem(["alice"], key, { text: "secret" });
    return { thread, assistant, key };
  }

  type Fixtures = Awaited<ReturnType<typeof aliceFixtures>>;
  /** What bob does for each event, and what the owner filter makes of it. */
  const ops: Record<string, { run: (f: Fixtures) => Promise<unknown>; filtered: "404" | "409" | "hidden" }> = {
    "threads:create": { run: (f) => bob.threads.create({ threadId: f.thread.thread_id, ifExists: "do_nothing" }), filtered: "409" },
    "threads:read": { run: (f) => bob.threads.get(f.thread.thread_id), filtered: "404" },
    "threads:update": { run: (f) => bob.threads.update(f.thread.thread_id, { metadata: { x: 1 } }), filtered: "404" },
    "threads:delete": { run: (f) => bob.threads.delete(f.thread.thread_id), filtered: "404" },
    "threads:search": {
      run: async (f) => (await bob.threads.search({ limit: 100 })).map((t) => t.thread_id).includes(f.thread.thread_id) || "hidden",
      filtered: "hidden",
    },
    "threads:create_run": { run: (f) => bob.runs.wait(f.thread.thread_id, "whoami", { input: {} }), filtered: "404" },
    "assistants:create": {
      run: (f) => bob.assistants.create({ graphId: "whoami", assistantId: f.assistant.assistant_id, ifExists: "do_nothing" }),
      filtered: "409",
    },
    "assistants:read": { run: (f) => bob.assistants.get(f.assistant.assistant_id), filtered: "404" },
    "assistants:update": { run: (f) => bob.assistants.update(f.assistant.assistant_id, { metadata: { x: 1 } }), filtered: "404" },
    "assistants:delete": { run: (f) => bob.assistants.delete(f.assistant.assistant_id), filtered: "404" },
    "assistants:search": {
      run: async (f) => (await bob.assistants.search({ limit: 100 })).map((a) => a.assistant_id).includes(f.assistant.assistant_id) || "hidden",
      filtered: "hidden",
    },
    "store:put": { run: (f) => bob.store.putItem(["alice"], f.key, { text: "mine now" }), filtered: "404" },
    "store:get": { run: (f) => bob.store.getItem(["alice"], f.key), filtered: "404" },
    "store:delete": { run: (f) => bob.store.deleteItem(["alice"], f.key), filtered: "404" },
    "store:search": {
      run: async (f) => (await bob.store.searchItems(["alice"], { limit: 100 })).items.some((i) => i.key === f.key) || "hidden",
      filtered: "hidden",
    },
    "store:list_namespaces": {
      run: async () => (await bob.store.listNamespaces({ limit: 100 })).namespaces.some((n) => n[0] === "alice") || "hidden",
      filtered: "hidden",
    },
  };

  describe.each(EVENTS)("%s", (event) => {
    const op = ops[event] as (typeof ops)[string];

    it("allow: bob may act on alice's record", async () => {
      const f = await aliceFixtures();
      policy.set(event, "allow");
      const result = await op.run(f);
      if (op.filtered === "hidden") expect(result).toBe(true);
    });

    it("deny (false): 403", async () => {
      const f = await aliceFixtures();
      policy.set(event, "deny");
      await expect(op.run(f)).rejects.toThrow("HTTP 403");
    });

    it("filter: alice's record is hidden from bob (404, 409 or left out of lists)", async () => {
      const f = await aliceFixtures();
      if (op.filtered === "hidden") expect(await op.run(f)).toBe("hidden");
      else await expect(op.run(f)).rejects.toThrow(`HTTP ${op.filtered}`);
    });

    it("throw HTTPException: its status and message", async () => {
      const f = await aliceFixtures();
      policy.set(event, "throw");
      await expect(op.run(f)).rejects.toThrow("HTTP 402: pay first");
    });

    it("garbage result and unknown filter operator: 403 naming the problem, never a 5xx", async () => {
      const f = await aliceFixtures();
      policy.set(event, "garbage");
      await expect(op.run(f)).rejects.toThrow(`HTTP 403: Forbidden: the ${event} handler returned a number`);
      policy.set(event, "bad-filter");
      await expect(op.run(f)).rejects.toThrow('unknown operator "$regex"');
    });
  });

  it("owner stamping is persisted on create, update and implicit thread creation", async () => {
    policy.clear();
    const thread = await alice.threads.create({ metadata: { owner: "mallory" } });
    expect(thread.metadata?.owner).toBe("alice");
    expect((await alice.threads.get(thread.thread_id)).metadata?.owner).toBe("alice");
    const updated = await alice.threads.update(thread.thread_id, { metadata: { owner: "mallory", tag: 1 } });
    expect(updated.metadata).toMatchObject({ owner: "alice", tag: 1 });
    const fresh = randomUUID();
    await alice.runs.wait(fresh, "whoami", { input: {}, ifNotExists: "create" });
    const minted = await alice.threads.get(fresh);
    expect(minted.metadata?.owner).toBe("alice");
    const assistant = await alice.assistants.create({ graphId: "whoami" });
    expect(assistant.metadata?.owner).toBe("alice");
    expect((await alice.assistants.get(assistant.assistant_id)).metadata?.owner).toBe("alice");
    const copy = await alice.threads.copy(thread.thread_id);
    expect(copy.metadata?.owner).toBe("alice");
    await expect(bob.threads.copy(thread.thread_id)).rejects.toThrow("HTTP 409");
    expect(await alice.threads.count()).toBeGreaterThan(0);
    expect(await bob.threads.count({ metadata: { tag: 1 } })).toBe(0);
  });

  it("the run routes on someone else's thread: 404 (and one error event for a stream)", async () => {
    policy.clear();
    const thread = await alice.threads.create();
    const run = await alice.runs.create(thread.thread_id, "whoami", { input: { sleep: 300 } });
    await expect(bob.runs.list(thread.thread_id)).rejects.toThrow("HTTP 404");
    await expect(bob.runs.get(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    await expect(bob.runs.join(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    await expect(bob.runs.cancel(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    const chunks = await collect(bob.runs.joinStream(thread.thread_id, run.run_id));
    expect(chunks).toEqual([{ id: "0", event: "error", data: { error: "Error", message: "404: Thread not found" } }]);
    const threadStream = await collect(bob.threads.joinStream(thread.thread_id));
    expect(threadStream).toHaveLength(1);
    await expect(bob.threads.getState(thread.thread_id)).rejects.toThrow("HTTP 404");
    await expect(bob.threads.getHistory(thread.thread_id)).rejects.toThrow("HTTP 404");
    await expect(bob.threads.updateState(thread.thread_id, { values: { seen: 1 } })).rejects.toThrow("HTTP 404");
    await alice.runs.join(thread.thread_id, run.run_id);
    await expect(bob.runs.delete(thread.thread_id, run.run_id)).rejects.toThrow("HTTP 404");
    // The owner still can do all of it.
    expect(await alice.runs.list(thread.thread_id)).toHaveLength(1);
    await alice.threads.updateState(thread.thread_id, { values: { seen: 2 } });
    await alice.runs.delete(thread.thread_id, run.run_id);
  });

  it("deleting an assistant with its threads leaves other users' threads alone", async () => {
    policy.clear();
    policy.set("assistants:read", "allow");
    const bobs = await bob.assistants.create({ graphId: "whoami" });
    const alicesThread = await alice.threads.create();
    await alice.runs.wait(alicesThread.thread_id, bobs.assistant_id, { input: {} });
    const bobsThread = await bob.threads.create();
    await bob.runs.wait(bobsThread.thread_id, bobs.assistant_id, { input: {} });
    await bob.assistants.delete(bobs.assistant_id, { deleteThreads: true });
    await expect(bob.threads.get(bobsThread.thread_id)).rejects.toThrow("HTTP 404");
    expect((await alice.threads.get(alicesThread.thread_id)).thread_id).toBe(alicesThread.thread_id);
    policy.clear();
  });

  it("bob cannot run alice's assistant; everyone may run a graph's system assistant", async () => {
    policy.clear();
    const alices = await alice.assistants.create({ graphId: "whoami" });
    const thread = await bob.threads.create();
    await expect(bob.runs.wait(thread.thread_id, alices.assistant_id, { input: {} })).rejects.toThrow(
      `HTTP 404: No assistant found for "${alices.assistant_id}"`,
    );
    await expect(bob.runs.wait(null, alices.assistant_id, { input: {} })).rejects.toThrow("HTTP 404");
    expect(await bob.runs.wait(thread.thread_id, "whoami", { input: {} })).toMatchObject({ seen: { id: "bob" } });
    expect(await alice.runs.wait(null, alices.assistant_id, { input: {} })).toMatchObject({ seen: { id: "alice" } });
  });

  it("a readable thread bob may not update: state update is 403", async () => {
    policy.clear();
    const thread = await alice.threads.create();
    await alice.runs.wait(thread.thread_id, "whoami", { input: {} });
    policy.set("threads:read", "allow");
    await expect(bob.threads.updateState(thread.thread_id, { values: { seen: 3 } })).rejects.toThrow("HTTP 403");
    expect((await bob.threads.getState(thread.thread_id)).values).toBeTruthy();
    policy.clear();
  });

  it("runs see the caller in config.configurable; nothing of it is stored in the thread", async () => {
    policy.clear();
    const thread = await alice.threads.create();
    const forged = { langgraph_auth_user: { identity: "root" }, langgraph_auth_user_id: "root", langgraph_auth_permissions: ["*"] };
    const out = (await alice.runs.wait(thread.thread_id, "whoami", { input: {}, config: { configurable: forged } })) as {
      seen: Record<string, unknown>;
    };
    expect(out.seen).toEqual({
      user: { identity: "alice", display_name: "alice", permissions: ["perm:alice"], is_authenticated: true, team: "blue" },
      id: "alice",
      permissions: ["perm:alice"],
      user_id: "alice",
    });
    const stored = await alice.threads.get(thread.thread_id);
    expect(JSON.stringify(stored.config)).not.toContain("langgraph_auth");
    // The run keeps the user for its worker but does not show it.
    const [listed] = await alice.runs.list(thread.thread_id);
    expect(JSON.stringify(listed)).not.toContain("langgraph_auth_user");
    // The request's own user_id wins over the identity, as the reference decides.
    const own = (await alice.runs.wait(thread.thread_id, "whoami", { input: {}, config: { configurable: { user_id: "u-1" } } })) as {
      seen: Record<string, unknown>;
    };
    expect(own.seen.user_id).toBe("u-1");
  });

  it("authenticates every route but /ok, /info and preflights; HTTPException headers pass through", async () => {
    for (const path of ["/ok", "/info"]) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    const preflight = await fetch(`${server.url}/threads/search`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    for (const [method, path] of [
      ["POST", "/threads/search"],
      ["GET", "/assistants/x"],
      ["POST", "/internal/truncate"],
      ["GET", "/nowhere"],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: "Bearer mallory" } });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(await res.text()).toBe("who are you?");
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
    }
  });
});
