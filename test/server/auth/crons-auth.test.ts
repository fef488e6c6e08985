// Crons through custom auth, on memory and PostgreSQL, with two users: the
// `crons:*` handlers allow, deny, filter (owner stamped into the metadata,
// then matched) and throw; a thread cron needs a thread the caller may read;
// a firing runs as the cron's owner. The TTL routes (prune, a thread's
// expiry) answer to the threads handlers.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Client } from "@langchain/langgraph-sdk";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { Annotation, StateGraph, START, END } from "@langchain/langgraph";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";
import { testGraphs } from "../../fixtures/graphs.ts";
import { ManualClock } from "../../../src/server/clock.ts";
import type { AuthEvent } from "../../../src/server/auth/types.ts";

type Mode = "owner" | "allow" | "deny" | "throw";
const policy = new Map<string, Mode>();

const EVENTS: AuthEvent[] = [
  "crons:create",
  "crons:read",
  "crons:update",
  "crons:delete",
  "crons:search",
  "threads:create",
  "threads:read",
  "threads:delete",
  "threads:search",
  "threads:create_run",
];

let auth = new Auth().authenticate((request) => {
  const name = request.headers.get("authorization")?.replace(/^Bearer /, "");
  if (name !== "alice" && name !== "bob") throw new HTTPException(401, { message: "who are you?" });
  return { identity: name, permissions: [`perm:${name}`] };
});
for (const event of EVENTS) {
  auth = auth.on(event, ({ action, value, user }) => {
    const mode = policy.get(event) ?? "owner";
    if (mode === "allow") return true;
    if (mode === "deny") return false;
    if (mode === "throw") throw new HTTPException(402, { message: "pay first" });
    if (action === "create" || action === "update" || action === "create_run") {
      const v = value as { metadata?: Record<string, unknown> | null };
      v.metadata ??= {};
      v.metadata.owner = user.identity;
    }
    return { owner: user.identity };
  });
}

const State = Annotation.Root({ seen: Annotation<unknown>() });
const whoami = new StateGraph(State)
  .addNode("look", async (_state, config: LangGraphRunnableConfig) => {
    const c = config.configurable ?? {};
    return {
      seen: { id: c.langgraph_auth_user_id, user_id: c.user_id, identity: (c.langgraph_auth_user as { identity?: string } | undefined)?.identity },
    };
  })
  .addEdge(START, "look")
  .addEdge("look", END)
  .compile();

const START_AT = Date.parse("2030-01-01T00:00:30Z");
const clientFor = (url: string, name: string) =>
  new Client({ apiUrl: url, defaultHeaders: { Authorization: `Bearer ${name}` }, callerOptions: { maxRetries: 0 } });

interface CronView {
  cron_id: string;
  user_id: string | null;
  metadata: Record<string, unknown>;
  next_run_date: string | null;
}

describe.each(BACKENDS)("crons through custom auth (%s)", (backend) => {
  let server: TestServer;
  let alice: Client;
  let bob: Client;
  const clock = new ManualClock(START_AT);
  beforeAll(async () => {
    server = await startTestServer(backend, {
      graphs: { ...testGraphs, whoami },
      auth: { handler: auth },
      settings: { logLevel: "silent", clock, cronIntervalMs: 50, cronClaimTimeoutMs: 1000 },
    });
    alice = clientFor(server.url, "alice");
    bob = clientFor(server.url, "bob");
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Raw calls for the routes the SDK has no method for (get, firings). */
  const raw = async (name: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${name}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.text()) || null };
  };

  const aliceCron = async () => {
    policy.clear();
    return (await alice.crons.create("simple", { schedule: "0 0 1 1 *", metadata: { topic: "t" } })) as unknown as CronView;
  };

  it("create stamps the handler's metadata and records the caller as user_id, persisted", async () => {
    const cron = await aliceCron();
    expect(cron.metadata).toEqual({ topic: "t", owner: "alice" });
    expect(cron.user_id).toBe("alice");
    const read = await raw("alice", "GET", `/runs/crons/${cron.cron_id}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body as string)).toMatchObject({ user_id: "alice", metadata: { topic: "t", owner: "alice" } });
  });

  it("filter: another user's cron is a 404 for get, update, delete and firings, and left out of search and count", async () => {
    const cron = await aliceCron();
    const mine = (await bob.crons.create("simple", { schedule: "0 0 1 1 *" })) as unknown as CronView;
    for (const [method, path, body] of [
      ["GET", `/runs/crons/${cron.cron_id}`, undefined],
      ["PATCH", `/runs/crons/${cron.cron_id}`, { enabled: false }],
      ["DELETE", `/runs/crons/${cron.cron_id}`, undefined],
      ["GET", `/runs/crons/${cron.cron_id}/firings`, undefined],
    ] as const) {
      const res = await raw("bob", method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toBe(`Cron with ID ${cron.cron_id} not found`);
    }
    const seenByBob = (await bob.crons.search({ limit: 1000 })).map((c) => c.cron_id);
    expect(seenByBob).toContain(mine.cron_id);
    expect(seenByBob).not.toContain(cron.cron_id);
    const bobCount = await bob.crons.count();
    const aliceCount = await alice.crons.count();
    expect(bobCount).toBe(seenByBob.length);
    expect((await alice.crons.search({ limit: 1000 })).map((c) => c.cron_id)).toContain(cron.cron_id);
    expect(aliceCount).toBeGreaterThanOrEqual(1);
    expect((await alice.crons.search({ limit: 1000 })).every((c) => (c.metadata as Record<string, unknown>).owner === "alice")).toBe(true);
    // Still there, untouched, for its owner.
    expect(JSON.parse((await raw("alice", "GET", `/runs/crons/${cron.cron_id}`)).body as string)).toMatchObject({ enabled: true });
  });

  it("update keeps the owner the handler stamps; the owner may update and delete", async () => {
    const cron = await aliceCron();
    const paused = (await alice.crons.update(cron.cron_id, { enabled: false })) as unknown as CronView & { enabled: boolean };
    expect(paused.enabled).toBe(false);
    expect(paused.metadata).toEqual({ topic: "t", owner: "alice" });
    const replaced = (await alice.crons.update(cron.cron_id, { metadata: { topic: "u" } })) as unknown as CronView;
    expect(replaced.metadata).toEqual({ topic: "u", owner: "alice" });
    await alice.crons.delete(cron.cron_id);
    expect((await raw("alice", "GET", `/runs/crons/${cron.cron_id}`)).status).toBe(404);
  });

  it("allow: with crons:read, crons:update, crons:delete allowed, bob may act on alice's cron", async () => {
    const cron = await aliceCron();
    policy.set("crons:read", "allow");
    policy.set("crons:update", "allow");
    policy.set("crons:delete", "allow");
    policy.set("crons:search", "allow");
    expect((await raw("bob", "GET", `/runs/crons/${cron.cron_id}`)).status).toBe(200);
    expect((await bob.crons.search({ limit: 1000 })).map((c) => c.cron_id)).toContain(cron.cron_id);
    expect(((await bob.crons.update(cron.cron_id, { enabled: false })) as unknown as { enabled: boolean }).enabled).toBe(false);
    await bob.crons.delete(cron.cron_id);
    expect((await raw("alice", "GET", `/runs/crons/${cron.cron_id}`)).status).toBe(404);
  });

  it.each(["crons:create", "crons:read", "crons:update", "crons:delete", "crons:search"] as const)("deny (false) on %s: 403", async (event) => {
    const cron = await aliceCron();
    policy.set(event, "deny");
    const calls: Record<typeof event, () => Promise<{ status: number }>> = {
      "crons:create": () => raw("alice", "POST", "/runs/crons", { assistant_id: "simple", schedule: "0 0 1 1 *" }),
      "crons:read": () => raw("alice", "GET", `/runs/crons/${cron.cron_id}`),
      "crons:update": () => raw("alice", "PATCH", `/runs/crons/${cron.cron_id}`, { enabled: false }),
      "crons:delete": () => raw("alice", "DELETE", `/runs/crons/${cron.cron_id}`),
      "crons:search": () => raw("alice", "POST", "/runs/crons/search", {}),
    };
    expect((await calls[event]()).status).toBe(403);
    if (event === "crons:search") expect((await raw("alice", "POST", "/runs/crons/count", {})).status).toBe(403);
    policy.clear();
    // A denied update or delete changed nothing.
    expect(JSON.parse((await raw("alice", "GET", `/runs/crons/${cron.cron_id}`)).body as string)).toMatchObject({ enabled: true });
  });

  it("throw: the handler's HTTPException reaches the client with its status", async () => {
    const cron = await aliceCron();
    policy.set("crons:update", "throw");
    await expect(alice.crons.update(cron.cron_id, { enabled: false })).rejects.toThrow("HTTP 402");
    policy.set("crons:create", "throw");
    await expect(alice.crons.create("simple", { schedule: "0 0 1 1 *" })).rejects.toThrow("HTTP 402");
  });

  it("a thread cron needs a thread the caller may read: bob cannot schedule runs on alice's thread", async () => {
    policy.clear();
    const thread = await alice.threads.create();
    await expect(bob.crons.createForThread(thread.thread_id, "simple", { schedule: "0 0 1 1 *" })).rejects.toThrow(`HTTP 404`);
    expect((await alice.crons.search({ threadId: thread.thread_id })).length).toBe(0);
    const cron = await alice.crons.createForThread(thread.thread_id, "simple", { schedule: "0 0 1 1 *" });
    expect(cron.thread_id).toBe(thread.thread_id);
    // The thread handler's verdict, not only its filter: denied read, no cron.
    policy.set("threads:read", "deny");
    await expect(alice.crons.createForThread(thread.thread_id, "simple", { schedule: "0 0 1 1 *" })).rejects.toThrow("HTTP 403");
  });

  it("TTL routes: prune skips threads the threads:delete filter hides, a thread's expiry is a 404 for others", async () => {
    policy.clear();
    const thread = await alice.threads.create({ ttl: { ttl: 60, strategy: "delete" } } as Parameters<Client["threads"]["create"]>[0]);
    expect((await raw("alice", "GET", `/threads/${thread.thread_id}/ttl`)).status).toBe(200);
    expect((await raw("bob", "GET", `/threads/${thread.thread_id}/ttl`)).status).toBe(404);
    const byBob = await raw("bob", "POST", "/threads/prune", { thread_ids: [thread.thread_id] });
    expect(byBob.status).toBe(200);
    expect(JSON.parse(byBob.body as string)).toEqual({ pruned_count: 0 });
    expect((await alice.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
    policy.set("threads:delete", "deny");
    expect((await raw("alice", "POST", "/threads/prune", { thread_ids: [thread.thread_id] })).status).toBe(403);
    policy.clear();
    const byAlice = await raw("alice", "POST", "/threads/prune", { thread_ids: [thread.thread_id] });
    expect(JSON.parse(byAlice.body as string)).toEqual({ pruned_count: 1 });
    await expect(alice.threads.get(thread.thread_id)).rejects.toThrow("HTTP 404");
  });

  it("a firing runs as the cron's owner (langgraph_auth_user_id in its config)", async () => {
    policy.clear();
    const thread = await alice.threads.create();
    const cron = (await alice.crons.createForThread(thread.thread_id, "whoami", { schedule: "*/5 * * * *", input: {} })) as unknown as CronView;
    clock.set(Date.parse(cron.next_run_date as string));
    await vi.waitFor(
      async () => {
        const [run] = await alice.runs.list(thread.thread_id);
        expect(run?.status).toBe("success");
      },
      { timeout: 30_000, interval: 100 },
    );
    const state = await alice.threads.getState<{ seen: unknown }>(thread.thread_id);
    expect(state.values.seen).toEqual({ id: "alice", user_id: "alice", identity: "alice" });
    await alice.crons.delete(cron.cron_id);
  });

  it("a stateless cron's runs are authorized at creation: threads:create_run stamps them, so its firing threads are its owner's", async () => {
    policy.clear();
    const cron = (await alice.crons.create("whoami", {
      schedule: "*/5 * * * *",
      input: {},
      onRunCompleted: "keep",
      metadata: { kind: "stateless" },
    })) as unknown as CronView & { payload: { metadata?: unknown } };
    expect(cron.payload.metadata).toEqual({ kind: "stateless", owner: "alice" });
    clock.set(Date.parse(cron.next_run_date as string));
    await vi.waitFor(
      async () => {
        const threads = await alice.threads.search({ metadata: { cron_id: cron.cron_id }, limit: 10 });
        expect(threads).toHaveLength(1);
        expect(threads[0].status).toBe("idle");
        expect(threads[0].metadata).toMatchObject({ owner: "alice" });
        expect((threads[0].values as { seen?: unknown }).seen).toEqual({ id: "alice", user_id: "alice", identity: "alice" });
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(await bob.threads.search({ metadata: { cron_id: cron.cron_id }, limit: 10 })).toHaveLength(0);
    // Refused runs, no cron: threads:create_run denied.
    policy.set("threads:create_run", "deny");
    await expect(alice.crons.create("simple", { schedule: "0 0 1 1 *" })).rejects.toThrow("HTTP 403");
    policy.clear();
    await alice.crons.delete(cron.cron_id);
  });
});
