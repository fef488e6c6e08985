// The browser shell's HTTP surface: static renderer files, the token guard,
// the DNS-rebinding guard, HostApi calls and the SSE event stream.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserShell, startBrowserShell } from "../../src/main/browser-shell.ts";
import { StudioHost } from "../../src/main/host.ts";

const FAKE = join(import.meta.dirname, "fixtures", "fake-server.mjs");
let dir: string;
let host: StudioHost;
let shell: BrowserShell;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skeino-shell-"));
  const renderer = join(dir, "renderer");
  mkdirSync(join(renderer, "assets"), { recursive: true });
  writeFileSync(join(renderer, "index.html"), "<!doctype html><title>Skeino Studio</title>");
  writeFileSync(join(renderer, "assets", "app.js"), "console.log(1)");
  host = new StudioHost({ dataDir: join(dir, "data"), serverEntry: FAKE });
  shell = await startBrowserShell({ host, rendererDir: renderer });
  origin = new URL(shell.url).origin;
  await host.start();
});

afterAll(async () => {
  await shell.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, args: unknown[] = [], token: string | null = shell.token): Promise<Response> {
  return fetch(`${origin}/api/host/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "x-skeino-token": token } : {}) },
    body: JSON.stringify({ args }),
  });
}

describe("browser shell", () => {
  it("prints a loopback URL carrying the token and serves the renderer", async () => {
    expect(shell.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const index = await fetch(`${origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(await index.text()).toContain("Skeino Studio");
    const js = await fetch(`${origin}/assets/app.js`);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${origin}/missing.js`)).status).toBe(404);
    // Dot segments are resolved inside the root: a path out of it is just not found there.
    expect((await fetch(`${origin}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
  });

  it("refuses HostApi calls without the token or with a wrong one", async () => {
    expect((await call("getSettings", [], null)).status).toBe(401);
    expect((await call("getSettings", [], "nope")).status).toBe(401);
  });

  it("answers HostApi calls with the token, and 404 for methods that are not in the contract", async () => {
    const res = await call("getServerStatus");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { state: string; scheme: string } };
    expect(body.result).toMatchObject({ state: "ready", scheme: "memory" });
    expect((await call("close")).status).toBe(404);
    const bad = await call("saveSettings", [{ persistence: "postgres", postgresUri: "" }]);
    expect(((await bad.json()) as { result: { ok: boolean; error: string } }).result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Enter a Postgres URI/),
    });
  });

  it("opens projects by path (the browser has no folder dialog) and lists the recent ones", async () => {
    const open = async (args: unknown[]) => ((await (await call("openProject", args)).json()) as { result: { ok: boolean; error?: string } }).result;
    expect(await open([])).toMatchObject({ ok: false, error: expect.stringMatching(/Type the path/) });
    expect(await open([42])).toMatchObject({ ok: false, error: "The project folder must be a path." });
    expect(await open([join(dir, "renderer")])).toMatchObject({ ok: false, error: `No langgraph.json in ${join(dir, "renderer")}` });
    const recent = (await (await call("getRecentProjects")).json()) as { result: Array<{ dir: string }> };
    expect(recent.result.map((p) => p.dir)).toEqual([host.projectDir]);
    // The view the page shows is kept with the project; anything but a route is refused.
    expect((await call("rememberView", ["#/threads/abc/history"])).status).toBe(200);
    expect((await call("rememberView", ["https://evil.example"])).status).toBe(400);
    const kept = (await (await call("getRecentProjects")).json()) as { result: Array<{ lastView?: string }> };
    expect(kept.result[0]?.lastView).toBe("#/threads/abc/history");
    const status = (await (await call("getServerStatus")).json()) as { result: { canPickFolder: boolean; projectErrors: unknown[] } };
    expect(status.result).toMatchObject({ canPickFolder: false, projectErrors: [] });
  });

  it("refuses a Host header that is not loopback (DNS rebinding)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(origin);
      const req = request({ host: u.hostname, port: u.port, path: "/", headers: { host: "evil.example:80" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it("streams server events over SSE, starting with the current status", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${origin}/api/host/events?token=${shell.token}`, { signal: ctrl.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^data: \{"type":"status"/);
    const restarted = call("restartServer", ["graceful"]);
    let seen = "";
    while (!seen.includes('"type":"log"')) seen += new TextDecoder().decode((await reader.read()).value);
    await restarted;
    ctrl.abort();
  });
});
