// Custom routes: a user's Hono app (langgraph.json "http": {"app": ...})
// mounted in front of the API, as LangGraph Platform does. Its routes answer
// first; its middleware wraps every request, the API's too (it may add
// headers, short-circuit, or rewrite a run's JSON body). Requests no user
// route takes are proxied to the API server, which then listens privately
// and only accepts requests carrying this process's proxy secret.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { Hono, type Context } from "hono";
import { serve, type ServerType } from "@hono/node-server";
import type { CustomAuth } from "../auth/custom-auth.ts";
import type { AuthContext } from "../auth/types.ts";
import {
  AUTH_CONTEXT_HEADER,
  INTERNAL_HEADER_PREFIX,
  STUDIO_TOKEN_HEADER,
  encodeAuthContext,
  isPublicRequest,
  resolveAuthContext,
  toFetchRequest,
} from "../auth/request-auth.ts";
import { HttpError } from "../errors.ts";
import { socketCredentials } from "./socket-credentials.ts";

/** What we need of the user's Hono app (it may come from another hono copy). */
export interface HonoLike {
  fetch(request: Request, ...rest: unknown[]): Response | Promise<Response>;
  routes: unknown[];
}

export const PROXY_SECRET_HEADER = "x-skeino-proxy-secret";
/** The Host the client sent to the front, forwarded to the API (which the front calls by its own address). */
export const FORWARDED_HOST_HEADER = "x-skeino-forwarded-host";

function headerPairs(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => out.push([name, value]));
  return out;
}

export function isHonoLike(value: unknown): value is HonoLike {
  return typeof value === "object" && value !== null && typeof (value as HonoLike).fetch === "function" && Array.isArray((value as HonoLike).routes);
}

const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

export class CustomAppFront {
  readonly secret = randomBytes(24).toString("hex");
  private server?: ServerType;

  constructor(
    private readonly userApp: HonoLike,
    /** Custom auth: the front authenticates every request, its own routes' too, before the user's app sees it. */
    private readonly auth?: { handler: CustomAuth; studioToken?: string },
  ) {}

  /** Listens publicly; `apiUrl` is where the API server listens privately. */
  async listen(port: number, host: string, apiUrl: string): Promise<string> {
    const root = new Hono<{ Variables: { auth?: AuthContext } }>();
    const auth = this.auth;
    if (auth) {
      root.use("*", async (c, next) => {
        if (isPublicRequest(c.req.method, c.req.path)) return next();
        try {
          const request = toFetchRequest(c.req.method, c.req.url, headerPairs(c.req.raw.headers));
          c.set("auth", await resolveAuthContext(auth.handler, request, c.req.header(STUDIO_TOKEN_HEADER)));
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          return new Response(error.message, { status: error.status, headers: { "content-type": "text/plain; charset=utf-8", ...error.headers } });
        }
        return next();
      });
    }
    root.route("/", this.userApp as unknown as Hono);
    root.all("*", (c) => this.proxy(c, apiUrl));
    this.server = await new Promise<ServerType>((resolve, reject) => {
      const server = serve({ fetch: root.fetch, port, hostname: host }, () => resolve(server));
      server.once("error", reject);
    });
    // WebSocket upgrades (the streaming protocol's socket) bypass Hono: the
    // handshake goes to the API as is, with the proxy secret, then bytes flow
    // both ways. The user's middleware does not see them.
    this.server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => this.tunnel(req, socket, head, apiUrl));
    const address = this.server.address() as AddressInfo;
    return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  }

  /**
   * The upgrade's caller, authenticated here as the front does every other
   * request (the API behind it trusts only the context the front forwards);
   * credentials may come as headers or as a browser's subprotocol.
   */
  private async upgradeContext(req: IncomingMessage): Promise<AuthContext | undefined> {
    const auth = this.auth;
    if (!auth) return undefined;
    const pairs: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
    for (const [name, value] of Object.entries(socketCredentials(req.headers["sec-websocket-protocol"]))) {
      if (req.headers[name] === undefined) pairs.push([name, value]);
    }
    const request = toFetchRequest(req.method ?? "GET", new URL(req.url ?? "/", "http://127.0.0.1").href, pairs);
    const studio = pairs.find(([name]) => name === STUDIO_TOKEN_HEADER)?.[1];
    return resolveAuthContext(auth.handler, request, studio);
  }

  private tunnel(req: IncomingMessage, socket: Socket, head: Buffer, apiUrl: string): void {
    socket.once("error", () => socket.destroy());
    this.upgradeContext(req).then(
      (context) => this.connectUpstream(req, socket, head, apiUrl, context),
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof HttpError ? error.message : "Authentication failed";
        const extra =
          error instanceof HttpError && error.headers
            ? Object.entries(error.headers)
                .map(([k, v]) => `${k}: ${String(v)}\r\n`)
                .join("")
            : "";
        socket.end(
          `HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : "Error"}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n${extra}\r\n${message}`,
        );
      },
    );
  }

  private connectUpstream(req: IncomingMessage, socket: Socket, head: Buffer, apiUrl: string, context: AuthContext | undefined): void {
    if (socket.destroyed) return;
    const api = new URL(apiUrl);
    const upstream = connect(Number(api.port), api.hostname);
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      // Skeino's own headers come from the front only, never from the client
      // (a client's auth context would otherwise be trusted behind the secret).
      if (name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX)) continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push(`${PROXY_SECRET_HEADER}: ${this.secret}`);
    if (context) lines.push(`${AUTH_CONTEXT_HEADER}: ${encodeAuthContext(context)}`);
    if (req.headers.host) lines.push(`${FORWARDED_HOST_HEADER}: ${req.headers.host}`);
    upstream.once("connect", () => {
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.once("error", end);
    socket.once("error", end);
    upstream.once("close", end);
    socket.once("close", end);
  }

  private async proxy(c: Context, apiUrl: string): Promise<Response> {
    const url = new URL(c.req.url);
    const headers = new Headers();
    c.req.raw.headers.forEach((value, key) => {
      // Skeino's own headers come from the front only, never from the client.
      if (!HOP_BY_HOP.has(key) && !key.startsWith(INTERNAL_HEADER_PREFIX)) headers.set(key, value);
    });
    headers.set(PROXY_SECRET_HEADER, this.secret);
    const context = (c as Context<{ Variables: { auth?: AuthContext } }>).get("auth");
    if (context) headers.set(AUTH_CONTEXT_HEADER, encodeAuthContext(context));
    // fetch() sets Host to the API's own address; the API needs the one the client used.
    const host = c.req.header("host");
    if (host) headers.set(FORWARDED_HOST_HEADER, host);
    let body: BodyInit | undefined;
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      // A middleware that rewrote the body replaced c.req.raw (unread); one
      // that only read it left the text in Hono's body cache (as promises).
      const cache = (c.req as unknown as { bodyCache?: { json?: unknown; text?: unknown; arrayBuffer?: unknown } }).bodyCache;
      if (!c.req.raw.bodyUsed) body = await c.req.raw.arrayBuffer();
      else if (cache?.json !== undefined) body = JSON.stringify(await cache.json);
      else if (cache?.text !== undefined) body = String(await cache.text);
      else if (cache?.arrayBuffer !== undefined) body = (await cache.arrayBuffer) as ArrayBuffer;
    }
    const upstream = await fetch(`${apiUrl}${url.pathname}${url.search}`, { method: c.req.method, headers, body, redirect: "manual" });
    const out = new Headers(upstream.headers);
    out.delete("content-length");
    out.delete("transfer-encoding");
    return new Response(upstream.body, { status: upstream.status, headers: out });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    });
  }
}
