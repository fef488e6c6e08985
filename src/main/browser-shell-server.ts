// The browser shell's HTTP server: the Studio without Electron. Plain Node on
// loopback, serving the built renderer and the HostApi on the same origin:
// POST /api/host/<method> and server events as SSE. Every API call must carry
// the per-launch token printed in the URL, and the Host header must name
// loopback (DNS-rebinding guard). Depends on the HostApi contract only, so
// `skeino dev` serves the Studio with it from the published package.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { HOST_METHODS, type HostApi, type HostMethod, type ServerEvent, WEB_ROUTES } from "../shared/host-api.ts";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

export interface BrowserShellOptions {
  /** The Studio's own host (StudioHost), or `skeino dev`'s host of the server it runs itself. */
  host: HostApi;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface BrowserShell {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf-8");
  return text ? (JSON.parse(text) as unknown) : {};
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

export async function startBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  const { host } = options;
  const token = options.token ?? randomBytes(24).toString("base64url");
  const root = resolve(options.rendererDir);
  const sseClients = new Set<ServerResponse>();
  let port = 0;

  const unsubscribe = host.onServerEvent((event: ServerEvent) => {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of sseClients) res.write(data);
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostHeader = req.headers.host ?? "";
    if (hostHeader !== `127.0.0.1:${port}` && hostHeader !== `localhost:${port}`) {
      res.writeHead(421).end("Misdirected request");
      return;
    }
    const url = new URL(req.url ?? "/", `http://${hostHeader}`);

    if (url.pathname.startsWith("/api/")) {
      const given = (req.headers[WEB_ROUTES.tokenHeader] as string | undefined) ?? url.searchParams.get("token");
      if (!tokenMatches(token, given)) {
        sendJson(res, 401, { error: "missing or wrong Studio token; open the URL the Studio printed" });
        return;
      }
      // Even holding the token, a page of another origin must not drive the host.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
        sendJson(res, 403, { error: `requests from ${origin} are refused: the Studio host API answers its own page only` });
        return;
      }
      if (url.pathname === WEB_ROUTES.events && req.method === "GET") {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        res.write(`data: ${JSON.stringify({ type: "status", status: await host.getServerStatus() })}\n\n`);
        sseClients.add(res);
        req.on("close", () => sseClients.delete(res));
        return;
      }
      const method = url.pathname.slice("/api/host/".length) as HostMethod;
      if (req.method !== "POST" || !HOST_METHODS.includes(method)) {
        sendJson(res, 404, { error: `no such host method: ${url.pathname}` });
        return;
      }
      let body: { args?: unknown[] };
      try {
        body = ((await readBody(req)) ?? {}) as { args?: unknown[] };
      } catch (err) {
        sendJson(res, 400, { error: `the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}` });
        return;
      }
      const args = Array.isArray(body.args) ? body.args : [];
      const fn = host[method] as (...a: unknown[]) => Promise<unknown>;
      try {
        sendJson(res, 200, { result: await fn.apply(host, args) });
      } catch (err) {
        sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
      }
      return;
    }

    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    let path = normalize(decodeURIComponent(url.pathname));
    if (path.endsWith("/")) path += "index.html";
    const file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[extname(file)] ?? "application/octet-stream",
      "cache-control": file.endsWith("index.html") ? "no-store" : "max-age=3600",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  }

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    server,
    async close() {
      unsubscribe();
      for (const res of sseClients) res.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
