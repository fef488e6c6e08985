// Custom auth on the streaming protocol (v2), through the real SDK
// ThreadStream over SSE and WebSocket, on memory and PostgreSQL: two users
// with owner-only thread handlers. Every command and every stream is
// authorized with its own caller; a foreign thread answers like a missing
// one; the user reaches the graph's config in protocol runs; a refused
// threads:create_run is a protocol error, never a 5xx; the Studio token works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { v7 as uuid7 } from "uuid";
import { WebSocket as WsSocket } from "ws";
import { Client, ProtocolError } from "@langchain/langgraph-sdk";
import type { ThreadStream } from "@langchain/langgraph-sdk";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { Annotation, StateGraph, START, END } from "@langchain/langgraph";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { BACKENDS, startTestServer, type TestServer } from "../../helpers/server.ts";
import { protocolGraphs } from "../../fixtures/protocol-graphs.ts";
import { isRootTerminal, takeUntil, TRANSPORTS, type Transport, type WireEvent } from "../protocol/support.ts";
import { SOCKET_PROTOCOL, socketProtocols } from "../../../src/shared/socket-credentials.ts";

const STUDIO_TOKEN = "studio-".padEnd(48, "p");
/** Events whose handler refuses everyone (the tests that need it set it, then clear it). */
const refused = new Set<string>();

const auth = new Auth()
  .authenticate((request) => {
    const name = request.headers.get("authorization")?.replace(/^Bearer /, "");
    if (name !== "alice" && name !== "bob") throw new HTTPException(401, { message: "who are you?" });
    return { identity: name, permissions: [`perm:${name}`] };
  })
  .on("threads", ({ action, value, user }) => {
    if (refused.has(`threads:${action}`)) return false;
    if (action === "create" || action === "create_run" || action === "update") {
      const v = value as { metadata?: Record<string, unknown> | null };
      v.metadata ??= {};
      v.metadata.owner = user.identity;
    }
    return { owner: user.identity };
  });

const State = Annotation.Root({ seen: Annotation<unknown>(), note: Annotation<string | undefined>() });
/** Answers with who the server said the caller is. */
const whoami = new StateGraph(State)
  .addNode("look", (_state, config: LangGraphRunnableConfig) => {
    const c = config.configurable ?? {};
    return {
      seen: {
        id: c.langgraph_auth_user_id,
        identity: (c.langgraph_auth_user as { identity?: string } | undefined)?.identity,
        permissions: c.langgraph_auth_permissions,
      },
    };
  })
  .addEdge(START, "look")
  .addEdge("look", END)
  .compile();

type Who = "alice" | "bob" | "studio";
const headersOf = (who: Who): Record<string, string> =>
  who === "studio" ? { "x-skeino-studio-token": STUDIO_TOKEN } : { authorization: `Bearer ${who}` };

/** A command over HTTP as `who`; the status and the envelope. */
async function command(
  url: string,
  who: Who,
  threadId: string,
  method: string,
  params: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/threads/${threadId}/commands`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headersOf(who) },
    body: JSON.stringify({ id: 1, method, params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The envelope with the thread id replaced, to compare a foreign thread's answer with a missing one's. */
const anonymized = (body: Record<string, unknown>, threadId: string) => JSON.parse(JSON.stringify(body).split(threadId).join("<thread>")) as unknown;

/**
 * Raw SSE of a thread as `who`: the status, and the events that arrived
 * before `until` settled (then the stream is closed).
 */
async function sseWhile(
  url: string,
  who: Who,
  threadId: string,
  body: Record<string, unknown>,
  until: Promise<unknown>,
): Promise<{ status: number; events: WireEvent[] }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/threads/${threadId}/stream/events`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headersOf(who) },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const events: WireEvent[] = [];
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) !== -1) {
          const data = buffer
            .slice(0, cut)
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("");
          buffer = buffer.slice(cut + 2);
          if (data) events.push(JSON.parse(data) as WireEvent);
        }
      }
    } catch {
      // aborted below
    }
  })();
  await until;
  controller.abort();
  await reading;
  return { status: res.status, events };
}

describe.each(BACKENDS)("protocol under custom auth (%s)", (backend) => {
  let server: TestServer;
  const clients = {} as Record<Who, Client>;

  beforeAll(async () => {
    server = await startTestServer(backend, {
      graphs: { ...protocolGraphs, whoami },
      auth: { handler: auth },
      settings: { logLevel: "silent", studioToken: STUDIO_TOKEN },
    });
    for (const who of ["alice", "bob", "studio"] as const)
      clients[who] = new Client({ apiUrl: server.url, defaultHeaders: headersOf(who), callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  /**
   * A ThreadStream as `who`. Over WebSocket the SDK refuses a client with
   * default headers (a browser socket cannot send them): the socket itself
   * carries the credentials (Node's ws takes headers), as a Node client does.
   */
  function open(who: Who, transport: Transport, assistantId: string, threadId?: string): ThreadStream {
    const webSocketFactory = (url: string) => new WsSocket(url, { headers: headersOf(who) }) as unknown as WebSocket;
    const options = { assistantId, transport, webSocketFactory };
    const client = transport === "websocket" ? new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } }) : clients[who];
    return threadId ? client.threads.stream(threadId, options) : client.threads.stream(options);
  }

  /** Alice's finished whoami thread. */
  async function aliceThread(): Promise<string> {
    const thread = open("alice", "sse", "whoami");
    await thread.run.start({ input: { note: "mine" } });
    await thread.values;
    await thread.close();
    return thread.threadId;
  }

  /** Alice's thread waiting on an interrupt, with its interrupt id. */
  async function aliceAsking(): Promise<{ threadId: string; interruptId: string }> {
    const threadId = uuid7();
    const started = await command(server.url, "alice", threadId, "run.start", {
      assistant_id: "ask",
      input: { messages: [{ type: "human", content: "hi" }] },
    });
    expect(started.body).toMatchObject({ type: "success" });
    await clients.alice.runs.join(threadId, (started.body.result as { run_id: string }).run_id);
    const state = await command(server.url, "alice", threadId, "state.get", {});
    const [interrupt] = (state.body.result as { interrupts: { id: string }[] }).interrupts;
    return { threadId, interruptId: interrupt.id };
  }

  describe.each(TRANSPORTS)("over %s", (transport) => {
    it("own threads work, and the run sees its user in langgraph_auth_* config", async () => {
      const thread = open("alice", transport, "whoami");
      await thread.run.start({ input: { note: "hello" } });
      expect(((await thread.values) as { seen: unknown }).seen).toEqual({ id: "alice", identity: "alice", permissions: ["perm:alice"] });
      // The thread run.start created is alice's (stamped by threads:create_run), not bob's.
      expect((await clients.alice.threads.get(thread.threadId)).metadata).toMatchObject({ owner: "alice" });
      await expect(clients.bob.threads.get(thread.threadId)).rejects.toThrow(/404/);
      await thread.close();
    });

    it("another user's commands on the thread are refused like on a missing one", async () => {
      const own = await aliceThread();
      const bob = open("bob", transport, "whoami", own);
      const error = await bob.run.start({ input: { note: "theirs" } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe("no_such_run");
      expect((error as ProtocolError).message).toContain(`Thread with ID ${own} not found`);
      await bob.close();
      // Nothing ran: alice's thread still has its one run, answered by alice.
      expect(await clients.alice.runs.list(own)).toHaveLength(1);
    });

    it("another user's stream carries nothing, as a missing thread's does; the owner's carries the run", async () => {
      const own = await aliceThread();
      const bob = open("bob", transport, "whoami", own);
      const bobEvents = await bob.subscribe({ channels: ["values", "lifecycle"] });
      const seenByBob: unknown[] = [];
      const bobReading = (async () => {
        for await (const e of bobEvents) seenByBob.push(e);
      })();
      const alice = open("alice", transport, "whoami", own);
      const aliceEvents = await alice.subscribe({ channels: ["values", "lifecycle"] });
      await alice.run.start({ input: { note: "again" } });
      const got = await takeUntil(aliceEvents, (e) => isRootTerminal(e));
      expect(got.some((e) => e.method === "values")).toBe(true);
      // Bob's subscription, opened first, saw none of it (nor the earlier run).
      await alice.close();
      await bob.close();
      await bobReading.catch(() => undefined);
      expect(seenByBob).toEqual([]);
    });
  });

  it("every command on a foreign thread answers exactly as on a missing thread", async () => {
    const own = await aliceThread();
    const { threadId: asking, interruptId } = await aliceAsking();
    const missing = uuid7();
    const listed = await command(server.url, "alice", own, "state.listCheckpoints", {});
    const checkpointId = (listed.body.result as { checkpoints: { id: string }[] }).checkpoints[0].id;
    const cases: [string, Record<string, unknown>, string][] = [
      ["state.get", {}, own],
      ["state.listCheckpoints", {}, own],
      ["agent.getTree", {}, own],
      ["input.inject", { message: { role: "user", content: "psst" } }, own],
      ["state.fork", { checkpoint_id: checkpointId }, own],
      ["input.respond", { interrupt_id: interruptId, response: "Mallory" }, asking],
    ];
    for (const [method, params, target] of cases) {
      const foreign = await command(server.url, "bob", target, method, params);
      const absent = await command(server.url, "bob", missing, method, params);
      expect({ method, status: foreign.status }).toEqual({ method, status: 200 });
      expect(foreign.body).toMatchObject({ type: "error" });
      expect({ method, answer: anonymized(foreign.body, target) }).toEqual({ method, answer: anonymized(absent.body, missing) });
    }
    // run.start creates a missing thread; on a foreign one it is a missing thread's error.
    const start = await command(server.url, "bob", own, "run.start", { assistant_id: "whoami", input: {} });
    expect(start).toEqual({ status: 200, body: { type: "error", id: 1, error: "no_such_run", message: `Thread with ID ${own} not found` } });
    // Nothing bob did reached alice's threads.
    expect(await clients.alice.runs.list(own)).toHaveLength(1);
    const resumed = await command(server.url, "alice", asking, "input.respond", { interrupt_id: interruptId, response: "Alice" });
    expect(resumed.body).toMatchObject({ type: "success" });
    await clients.alice.runs.join(asking, (resumed.body.result as { run_id: string }).run_id);
    const values = (await clients.alice.threads.getState(asking)).values as { messages: { content: unknown }[] };
    expect(values.messages.at(-1)?.content).toBe("Hello Alice");
  });

  it("each WebSocket command runs as the socket's user, whoever touched the thread first", async () => {
    // Bob attaches first to a thread id nobody has used; alice then creates it.
    const threadId = uuid7();
    const bob = open("bob", "websocket", "whoami", threadId);
    const bobEvents = await bob.subscribe({ channels: ["values", "lifecycle"] });
    const seenByBob: unknown[] = [];
    const bobReading = (async () => {
      for await (const e of bobEvents) seenByBob.push(e);
    })();
    const alice = open("alice", "websocket", "whoami", threadId);
    const aliceEvents = await alice.subscribe({ channels: ["values", "lifecycle"] });
    await alice.run.start({ input: { note: "first" } });
    await takeUntil(aliceEvents, (e) => isRootTerminal(e));
    expect(((await alice.values) as { seen: { id: string } }).seen.id).toBe("alice");
    // Bob's socket, open since before the thread existed, is still bob's.
    const error = await bob.run.start({ input: { note: "second" } }).catch((e: unknown) => e);
    expect((error as ProtocolError).code).toBe("no_such_run");
    await alice.close();
    await bob.close();
    await bobReading.catch(() => undefined);
    expect(seenByBob).toEqual([]);
  });

  it("SSE attach: a foreign thread is an open stream with nothing in it, like a missing thread; no token is a 401", async () => {
    const own = await aliceThread();
    const missing = uuid7();
    const replayAll = { channels: ["values", "lifecycle"], since: 0 };
    // Alice's own replay runs until its terminal event; bob's streams stay open as long.
    const ownRead = await (async () => {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/threads/${own}/stream/events`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headersOf("alice") },
        body: JSON.stringify(replayAll),
        signal: controller.signal,
      });
      const text = res.body ? res.body.getReader() : undefined;
      let seen = "";
      const decoder = new TextDecoder();
      while (text && !/"event":"completed"/.test(seen)) {
        const { value, done } = await text.read();
        if (done) break;
        seen += decoder.decode(value, { stream: true });
      }
      controller.abort();
      return { status: res.status, seen };
    })();
    const [foreign, absent] = await Promise.all([
      sseWhile(
        server.url,
        "bob",
        own,
        replayAll,
        (async () => {
          // A second run of alice's while bob listens: still nothing for bob.
          const again = await command(server.url, "alice", own, "run.start", { assistant_id: "whoami", input: {} });
          await clients.alice.runs.join(own, (again.body.result as { run_id: string }).run_id);
        })(),
      ),
      sseWhile(server.url, "bob", missing, replayAll, clients.alice.runs.list(own)),
    ]);
    expect(ownRead.status).toBe(200);
    expect(ownRead.seen).toMatch(/"event":"completed"/);
    expect(foreign).toEqual({ status: 200, events: [] });
    expect(absent).toEqual({ status: 200, events: [] });
    const anonymous = await fetch(`${server.url}/threads/${own}/stream/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(anonymous.status).toBe(401);
  });

  it("WebSocket attach authenticates the upgrade and replays nothing of a foreign thread", async () => {
    const own = await aliceThread();
    const wsUrl = `${server.url.replace(/^http/, "ws")}/threads/${own}/stream/events`;
    const refusedUpgrade = await new Promise<number>((resolve) => {
      const socket = new WsSocket(wsUrl);
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.on("open", () => resolve(101));
      socket.on("error", () => undefined);
    });
    expect(refusedUpgrade).toBe(401);
    const replayed = async (who: Who) => {
      const socket = new WsSocket(wsUrl, { headers: headersOf(who) });
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      const answer = new Promise<Record<string, unknown>>((resolve) =>
        socket.on("message", (data) => {
          const msg = JSON.parse(String(data)) as Record<string, unknown>;
          if (msg.id === 7) resolve(msg);
        }),
      );
      socket.send(JSON.stringify({ id: 7, method: "subscription.subscribe", params: { channels: ["values", "lifecycle"], since: 0 } }));
      const msg = await answer;
      socket.close();
      return (msg.result as { replayed_events: number }).replayed_events;
    };
    expect(await replayed("alice")).toBeGreaterThan(0);
    expect(await replayed("bob")).toBe(0);
  });

  it("a browser WebSocket carries its credentials as a subprotocol (the Studio's way), and the commands run as that user", async () => {
    const threadId = uuid7();
    const wsUrl = `${server.url.replace(/^http/, "ws")}/threads/${threadId}/stream/events`;
    // Only the subprotocols, no headers: what a browser's `new WebSocket(url, protocols)` sends.
    const asBrowser = (protocols: string[]) => new WsSocket(wsUrl, protocols);
    const upgrade = (socket: WsSocket) =>
      new Promise<number>((resolve) => {
        socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        socket.on("open", () => resolve(101));
        socket.on("error", () => undefined);
      });
    expect(await upgrade(asBrowser([SOCKET_PROTOCOL, "skeino.headers.bm90LWpzb24"]))).toBe(401);
    expect(await upgrade(asBrowser(socketProtocols({ authorization: "Bearer mallory" })))).toBe(401);
    for (const who of ["studio", "alice"] as const) {
      const socket = asBrowser(socketProtocols(headersOf(who)));
      expect(await upgrade(socket)).toBe(101);
      expect(socket.protocol).toBe(SOCKET_PROTOCOL);
      const answer = new Promise<Record<string, unknown>>((resolve) =>
        socket.on("message", (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)),
      );
      socket.send(JSON.stringify({ id: 1, method: "run.start", params: { assistant_id: "whoami", input: {} } }));
      const started = await answer;
      socket.close();
      if (who === "studio") {
        expect(started).toMatchObject({ type: "success" });
        const run = await clients.studio.runs.join(threadId, (started.result as { run_id: string }).run_id);
        expect((run as { seen: { id: string } }).seen.id).toBe("langgraph-studio-user");
      } else {
        // The Studio's thread is not alice's: a missing thread's answer.
        expect(started).toMatchObject({ type: "error", error: "no_such_run" });
      }
    }
  });

  it("a refused threads:create_run is a permission_denied envelope, never a 5xx", async () => {
    refused.add("threads:create_run");
    try {
      const threadId = uuid7();
      const raw = await command(server.url, "alice", threadId, "run.start", { assistant_id: "whoami", input: {} });
      expect(raw.status).toBe(200);
      expect(raw.body).toMatchObject({ type: "error", id: 1, error: "permission_denied" });
      for (const transport of TRANSPORTS) {
        const thread = open("alice", transport, "whoami");
        const error = await thread.run.start({ input: {} }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe("permission_denied");
        await thread.close();
      }
      // No thread was made by the refused runs.
      await expect(clients.alice.threads.get(threadId)).rejects.toThrow(/404/);
    } finally {
      refused.delete("threads:create_run");
    }
  });

  it("the Studio token runs protocol commands as the Studio user", async () => {
    for (const transport of TRANSPORTS) {
      const thread = open("studio", transport, "whoami");
      await thread.run.start({ input: {} });
      expect(((await thread.values) as { seen: { id: string } }).seen.id).toBe("langgraph-studio-user");
      expect((await clients.studio.threads.get(thread.threadId)).metadata).toMatchObject({ owner: "langgraph-studio-user" });
      await expect(clients.alice.threads.get(thread.threadId)).rejects.toThrow(/404/);
      await thread.close();
    }
  });
});

describe("the API key on a browser WebSocket", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("memory", { graphs: protocolGraphs, settings: { logLevel: "silent", apiKey: "key-of-this-test" } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("travels as a subprotocol like the other credentials", async () => {
    const wsUrl = `${server.url.replace(/^http/, "ws")}/threads/${uuid7()}/stream/events`;
    const upgrade = (protocols: string[]) =>
      new Promise<number>((resolve) => {
        const socket = new WsSocket(wsUrl, protocols);
        socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        socket.on("open", () => {
          socket.close();
          resolve(101);
        });
        socket.on("error", () => undefined);
      });
    expect(await upgrade([SOCKET_PROTOCOL])).toBe(401);
    expect(await upgrade(socketProtocols({ "x-api-key": "wrong" }))).toBe(401);
    expect(await upgrade(socketProtocols({ "x-api-key": "key-of-this-test" }))).toBe(101);
  });
});
