// Generative UI (langgraph.json "ui"): components bundled at start, the HTML
// the SDK's client["~ui"].getComponent asks for, the files it loads, and the
// bundle itself run the way LoadExternalComponent runs it (externals from
// LGUI_REQUIRE, the component handed to LGUI_EXT_STORE).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import http from "node:http";
import vm from "node:vm";
import { Hono } from "hono";
import { Client } from "@langchain/langgraph-sdk";
import { createApp, loadManifest, type SkeinoApp } from "../../src/server/index.ts";
import { ConfigError } from "../../src/server/errors.ts";

const fixture = join(import.meta.dirname, "../fixtures/generative-ui");

/** POST with an explicit Host header (fetch cannot set one). */
function postWithHost(url: string, path: string, host: string, body: unknown): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path, method: "POST", headers: { host, "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("generative UI from langgraph.json", () => {
  let app: SkeinoApp;
  let url: string;
  let client: Client;
  beforeAll(async () => {
    const manifest = await loadManifest(join(fixture, "langgraph.json"));
    expect(manifest.ui).toEqual({
      defs: { "weather-ui": "./src/ui.tsx" },
      cwd: fixture,
      shared: ["@acme/charts"],
      source: join(fixture, "langgraph.json"),
    });
    app = createApp({ graphs: manifest.graphs, settings: { logLevel: "error" }, ui: manifest.ui });
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("answers the HTML that loads a component: its stylesheet, then its script", async () => {
    const html = await client["~ui"].getComponent("weather-ui", "weather-component");
    const base = `${url}/ui/weather-ui`;
    expect(html).toBe(
      [
        `<link rel="stylesheet" href="${base}/entrypoint.css" />`,
        `<script src="${base}/entrypoint.js" onload='__LGUI_weather_ui.render("weather-component", "{{shadowRootId}}")'></script>`,
      ].join("\n"),
    );
    const css = await fetch(`${base}/entrypoint.css`);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    expect(await css.text()).toContain("rebeccapurple");
  });

  it("serves a bundle that takes React and shared packages from LGUI_REQUIRE and renders through LGUI_EXT_STORE", async () => {
    const res = await fetch(`${url}/ui/weather-ui/entrypoint.js`);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const js = await res.text();
    expect(js).toContain('globalThis[Symbol.for("LGUI_REQUIRE")]');
    expect(js).not.toContain("function useState"); // React itself is not bundled

    const required: string[] = [];
    const fakeModules: Record<string, unknown> = {
      react: { useState: (v: unknown) => [v, () => undefined] },
      "react/jsx-runtime": { jsx: (type: unknown, props: unknown) => ({ type, props }), jsxs: (type: unknown, props: unknown) => ({ type, props }) },
      "@acme/charts": { Chart: () => "chart" },
    };
    const responded: Array<{ id: string; component: (props: { city: string }) => unknown; mount: unknown }> = [];
    const appended: unknown[] = [];
    const sandbox: Record<string | symbol, unknown> = {
      document: {
        getElementById: (id: string) => (id === "root-1" ? { shadowRoot: { appendChild: (el: unknown) => appended.push(el) } } : null),
        createElement: (tag: string) => ({ tag }),
      },
      [Symbol.for("LGUI_REQUIRE")]: (name: string) => {
        required.push(name);
        if (!(name in fakeModules)) throw new Error(`unexpected require ${name}`);
        return fakeModules[name];
      },
      [Symbol.for("LGUI_EXT_STORE")]: { respond: (id: string, component: never, mount: unknown) => responded.push({ id, component, mount }) },
    };
    sandbox.window = sandbox;
    sandbox.globalThis = sandbox;
    const context = vm.createContext(sandbox);
    vm.runInContext(js, context);
    vm.runInContext('__LGUI_weather_ui.render("weather-component", "root-1")', context);

    expect(responded).toHaveLength(1);
    expect(responded[0].id).toBe("root-1");
    expect(appended).toEqual([responded[0].mount]);
    expect(required).toEqual(expect.arrayContaining(["react", "react/jsx-runtime", "@acme/charts"]));
    expect(JSON.stringify(responded[0].component({ city: "Porto" }))).toContain('"Weather for ","Porto"," in ","C"');
    expect(() => vm.runInContext('__LGUI_weather_ui.render("weather-component", "nope")', context)).toThrow("no shadow root #nope");
  });

  it("answers 404 for an unknown component set or file, 422 without a component name", async () => {
    await expect(client["~ui"].getComponent("no-such-ui", "x")).rejects.toThrow('HTTP 404: UI not found for agent "no-such-ui"');
    expect((await fetch(`${url}/ui/weather-ui/nothing.js`)).status).toBe(404);
    const res = await fetch(`${url}/ui/weather-ui`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(422);
  });

  it("writes the Host the client used, loopback over http and others scheme-relative", async () => {
    expect((await postWithHost(url, "/ui/weather-ui", "localhost:2024", { name: "weather-component" })).text).toContain(
      `<script src="http://localhost:2024/ui/weather-ui/entrypoint.js"`,
    );
    expect((await postWithHost(url, "/ui/weather-ui", "agents.example.com", { name: "weather-component" })).text).toContain(
      `<script src="//agents.example.com/ui/weather-ui/entrypoint.js"`,
    );
  });
});

describe("generative UI behind custom routes (http.app)", () => {
  it("keeps the client's Host through the custom app's proxy", async () => {
    const manifest = await loadManifest(join(fixture, "langgraph.json"));
    const front = new Hono();
    front.get("/custom/hi", (c) => c.text("hi"));
    const app = createApp({ graphs: manifest.graphs, settings: { logLevel: "error" }, ui: manifest.ui, http: { app: front } });
    try {
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      const res = await postWithHost(url, "/ui/weather-ui", "localhost:2024", { name: "weather-component" });
      expect(res.status).toBe(200);
      expect(res.text).toContain(`<script src="http://localhost:2024/ui/weather-ui/entrypoint.js"`);
    } finally {
      await app.close();
    }
  });
});

describe("generative UI errors", () => {
  const start = async (defs: Record<string, string>) => {
    const manifest = await loadManifest(join(fixture, "langgraph.json"));
    const app = createApp({ graphs: manifest.graphs, settings: { logLevel: "error" }, ui: { defs, cwd: fixture } });
    try {
      await app.ready();
    } finally {
      await app.close();
    }
  };

  it("refuses to start on a component file that does not compile, naming the set, the file and the line", async () => {
    const error = await start({ broken: "./src/broken.tsx" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/"ui"\."broken": could not bundle \.\/src\/broken\.tsx: .*broken\.tsx:1: /);
  });

  it("refuses a missing file and one outside the project", async () => {
    await expect(start({ gone: "./src/missing.tsx" })).rejects.toThrow(
      /"ui"\."gone": could not bundle \.\/src\/missing\.tsx: Could not resolve "\.\/src\/missing\.tsx"$/,
    );
    await expect(start({ far: "../../fixtures/graphs.ts" })).rejects.toThrow(
      /"ui"\."far": \.\.\/\.\.\/fixtures\/graphs\.ts is outside the project directory/,
    );
  });
});
