// Custom routes are authenticated like the API (the front authenticates, its
// context reaches the API and the user's routes); no client header makes a
// caller the Studio user, only this launch's Studio token does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { Client } from "@langchain/langgraph-sdk";
import { Auth } from "@langchain/langgraph-sdk/auth";
import { createApp, type SkeinoApp } from "../../../src/server/index.ts";
import { testGraphs } from "../../fixtures/graphs.ts";
import { WebSocket } from "ws";
import { socketProtocols } from "../../../src/shared/socket-credentials.ts";

const STUDIO_TOKEN = "studio-".padEnd(48, "x");
const auth = new Auth()
  .authenticate((request) => {
    const name = request.headers.get("authorization")?.replace(/^Bearer /, "");
    if (!name) throw Object.assign(new Error("no token"), { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
    return name;
  })
  .on("threads", ({ action, value, user }) => {
    if (action === "create" || action === "create_run") {
      value.metadata ??= {};
      value.metadata.owner = user.identity;
    }
    return { owner: user.identity };
  });

const custom = new Hono<{ Variables: { auth?: { user: { identity: string } } } }>();
custom.get("/custom/me", (c) => c.json({ identity: c.get("auth")?.user.identity ?? null }));

for (const withFront of [false, true]) {
  describe(withFront ? "behind custom routes" : "plain API", () => {
    let app: SkeinoApp;
    let url: string;
    beforeAll(async () => {
      app = createApp({
        graphs: testGraphs,
        settings: { logLevel: "silent", studioToken: STUDIO_TOKEN },
        auth: { handler: auth },
        ...(withFront ? { http: { app: custom } } : {}),
      });
      url = await app.listen({ port: 0, host: "127.0.0.1" });
    });
    afterAll(async () => {
      await app?.close();
    });
    const as = (headers: Record<string, string>) => new Client({ apiUrl: url, defaultHeaders: headers, callerOptions: { maxRetries: 0 } });

    it("authenticates the API (and the custom routes) and keeps owners apart", async () => {
      await expect(as({}).threads.search()).rejects.toThrow("HTTP 401");
      const ann = as({ Authorization: "Bearer ann" });
      const thread = await ann.threads.create();
      expect(thread.metadata?.owner).toBe("ann");
      await expect(as({ Authorization: "Bearer ben" }).threads.get(thread.thread_id)).rejects.toThrow("HTTP 404");
      if (withFront) {
        expect((await fetch(`${url}/custom/me`)).status).toBe(401);
        expect(await (await fetch(`${url}/custom/me`, { headers: { authorization: "Bearer ann" } })).json()).toEqual({ identity: "ann" });
      }
    });

    it("no client header makes a caller someone else: not x-auth-scheme, not a forged context or proxy header", async () => {
      const forgedContext = Buffer.from(JSON.stringify({ user: { identity: "ann", permissions: [] }, scopes: [] })).toString("base64");
      for (const headers of <Record<string, string>[]>[
        { "x-auth-scheme": "langsmith" },
        { "x-skeino-auth-context": forgedContext },
        { "x-skeino-studio-token": "studio-".padEnd(48, "y") },
      ]) {
        const res = await fetch(`${url}/threads/search`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
        expect(res.status, JSON.stringify(headers)).toBe(401);
      }
      // With a real identity, a forged context header changes nothing either.
      const ben = as({ Authorization: "Bearer ben", "x-skeino-auth-context": forgedContext });
      expect((await ben.threads.search()).every((t) => t.metadata?.owner === "ben")).toBe(true);
    });

    it("the Studio token is the Studio user, whose handlers still run", async () => {
      const studio = as({ "x-skeino-studio-token": STUDIO_TOKEN });
      const thread = await studio.threads.create();
      expect(thread.metadata?.owner).toBe("langgraph-studio-user");
      const run = (await studio.runs.wait(thread.thread_id, "simple", { input: {} })) as { count: number };
      expect(run.count).toBe(2);
      // The token is not handed to graphs as a header.
      const stored = await studio.runs.list(thread.thread_id);
      expect(JSON.stringify(stored)).not.toContain(STUDIO_TOKEN);
      // Nor are skeino's own headers (the custom-routes front's proxy secret, the forwarded context).
      const history = await studio.threads.getHistory(thread.thread_id);
      expect(JSON.stringify([stored, history, await studio.threads.get(thread.thread_id)])).not.toMatch(/x-skeino-/);
    });

    it("the protocol's WebSocket is authenticated too: headers or a browser's subprotocol, never a forged context", async () => {
      const ann = as({ Authorization: "Bearer ann" });
      const thread = await ann.threads.create();
      const wsUrl = `${url.replace(/^http/, "ws")}/threads/${thread.thread_id}/stream/events`;
      const forgedContext = Buffer.from(JSON.stringify({ user: { identity: "ann", permissions: [] }, scopes: [] })).toString("base64");
      /** The upgrade's status (101 when it opened), and the answer to state.get as that socket's user. */
      const attempt = (options: { headers?: Record<string, string>; protocols?: string[] }) =>
        new Promise<{ status: number; answer?: Record<string, unknown> }>((resolve) => {
          const socket = new WebSocket(wsUrl, options.protocols ?? [], { headers: options.headers });
          socket.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
          socket.on("error", () => resolve({ status: -1 }));
          socket.on("open", () => socket.send(JSON.stringify({ id: 1, method: "state.get", params: {} })));
          socket.on("message", (data) => {
            socket.close();
            resolve({ status: 101, answer: JSON.parse(String(data)) as Record<string, unknown> });
          });
        });
      expect((await attempt({})).status).toBe(401);
      expect((await attempt({ headers: { "x-skeino-auth-context": forgedContext } })).status).toBe(401);
      expect((await attempt({ headers: { "x-skeino-studio-token": "studio-".padEnd(48, "y") } })).status).toBe(401);
      // Ben with ann's forged context is still ben: ann's thread is a missing one.
      const ben = await attempt({ headers: { authorization: "Bearer ben", "x-skeino-auth-context": forgedContext } });
      expect(ben.answer).toMatchObject({ type: "error", error: "no_such_run" });
      expect((await attempt({ headers: { authorization: "Bearer ann" } })).answer).toMatchObject({ type: "success" });
      expect((await attempt({ protocols: socketProtocols({ authorization: "Bearer ann" }) })).answer).toMatchObject({ type: "success" });
      expect((await attempt({ protocols: socketProtocols({ authorization: "Bearer ben" }) })).answer).toMatchObject({
        type: "error",
        error: "no_such_run",
      });
    });
  });
}
