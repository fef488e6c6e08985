// skeino as a user installs it: `npm pack` (which builds dist/ through the
// package's own `prepare`), the tarball installed with @langchain/langgraph in
// an empty folder with no network (every tarball from the local npm cache),
// then, there: a plain Node ESM app.mjs with createApp and a /runs/wait, a
// strict TypeScript file that imports skeino, and `npx skeino serve` with no
// flags on a langgraph.json whose graph is a .ts file.
//
// Offline installs need no registry metadata when a lockfile names every
// package with its integrity, so the folder gets one cut from this repo's own
// lockfile (its production packages are skeino's dependency tree) and is
// installed with `npm ci --offline`: exactly the versions this repo tests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ReturnType<typeof spawn>>();

function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

const npm = (args: string[], cwd: string, timeoutMs: number) =>
  run("npm", [...args, "--no-audit", "--no-fund", "--no-update-notifier"], cwd, timeoutMs, { npm_config_offline: "true" });

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The user's lockfile: skeino from the tarball, plus this repo's production packages. */
function userLockfile(tarball: string, tarballName: string, rootDependencies: Record<string, string>): unknown {
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf-8")) as { packages: Record<string, LockEntry> };
  const repoPackage = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf-8")) as {
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
    engines: Record<string, string>;
    license: string;
  };
  const packages: Record<string, LockEntry> = {
    "": { name: "user-app", dependencies: rootDependencies },
    "node_modules/skeino": {
      version: repoPackage.version,
      resolved: `file:${tarballName}`,
      integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
      license: repoPackage.license,
      dependencies: repoPackage.dependencies,
      bin: repoPackage.bin,
      engines: repoPackage.engines,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path === "" || entry.dev || !path.startsWith("node_modules/")) continue;
    // With its tarball's URL npm reads the tarball from the cache by integrity;
    // without one it first asks for the package's registry document, which the
    // cache may hold in a form an offline install refuses.
    const name = (entry.name as string | undefined) ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${entry.version}.tgz`;
    packages[path] = { ...entry, resolved };
  }
  return { name: "user-app", lockfileVersion: 3, requires: true, packages };
}

/** Spawns `npx skeino ...` in its own process group, collecting its output. */
function npx(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn("npx", ["--offline", "skeino", ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(child);
  const output = { out: "", err: "" };
  child.stdout?.on("data", (d: Buffer) => (output.out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output.err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    // npx and the skeino it runs, as a terminal's Ctrl-C reaches both (npx itself dies of the signal).
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    await exited;
    children.delete(child);
  };
  return { child, output, stop };
}

describe("the npm package", () => {
  const work = mkdtempSync(join(tmpdir(), "skeino-pack-"));
  const app = join(work, "app");
  let tarballFiles: string[] = [];

  beforeAll(async () => {
    const packed = await npm(["pack", "--json", "--pack-destination", work], REPO_ROOT, 300_000);
    expect(packed.code, packed.stderr).toBe(0);
    // `prepare` prints its build line on stdout before npm's JSON.
    const json = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    const { filename, files } = json[0] as { filename: string; files: { path: string }[] };
    tarballFiles = files.map((f) => f.path);

    mkdirSync(join(app, "src"), { recursive: true });
    const repoPackage = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf-8")) as {
      dependencies: Record<string, string>;
      overrides?: Record<string, string>;
    };
    const dependencies = { "@langchain/langgraph": repoPackage.dependencies["@langchain/langgraph"] as string, skeino: `file:../${filename}` };
    // The repo's overrides shape its lockfile's tree; the user's lockfile is cut from it.
    const userPackage = { name: "user-app", private: true, type: "module", dependencies, overrides: repoPackage.overrides };
    writeFileSync(join(app, "package.json"), JSON.stringify(userPackage, null, 2));
    writeFileSync(join(app, "package-lock.json"), JSON.stringify(userLockfile(join(work, filename), `../${filename}`, dependencies), null, 2));
    // No install scripts: skeino's dependencies need none to run (esbuild finds its platform package).
    const installed = await npm(["ci", "--offline", "--ignore-scripts"], app, 300_000);
    expect(installed.code, `${installed.stdout}\n${installed.stderr}`).toBe(0);

    writeFileSync(
      join(app, "src/agent.ts"),
      `import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation<string> });
export const graph = new StateGraph(State)
  .addNode("shout", (s: typeof State.State) => ({ text: s.text.toUpperCase() }))
  .addEdge("__start__", "shout")
  .compile();
`,
    );
    writeFileSync(join(app, "langgraph.json"), JSON.stringify({ graphs: { agent: "./src/agent.ts:graph" } }));
  }, 600_000);

  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  });

  it("holds what runs and no tests", () => {
    expect(tarballFiles).toContain("dist/server/index.js");
    expect(tarballFiles).toContain("dist/server/index.d.ts");
    expect(tarballFiles).toContain("bin/skeino.mjs");
    // The Studio `skeino dev` serves: its prebuilt renderer and the plain-Node shell, nothing of Electron.
    expect(tarballFiles).toContain("dist/studio/index.html");
    expect(tarballFiles).toContain("dist/main/browser-shell-server.js");
    expect(tarballFiles.filter((f) => /^dist\/main\/(host|supervisor|local-postgres|index)\./.test(f))).toEqual([]);
    // dist/server/checkpointer-validation.* is `skeino validate-checkpointer`'s suite for users' savers, not ours.
    const ours = tarballFiles.filter((f) => !f.startsWith("dist/server/checkpointer-validation."));
    expect(ours.filter((f) => /^(test|e2e|bench|src|scripts|resources)\/|\.(test|spec)\.|playwright|vitest|tsconfig|fixtures/.test(f))).toEqual([]);
  });

  it("runs a plain Node ESM app with createApp and a /runs/wait", async () => {
    writeFileSync(
      join(app, "app.mjs"),
      `import { createApp } from "skeino";
import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ n: Annotation() });
const graph = new StateGraph(State).addNode("inc", (s) => ({ n: s.n + 1 })).addEdge("__start__", "inc").compile();
const app = createApp({ graphs: { counter: graph }, settings: { logLevel: "error" } });
const url = await app.listen({ port: 0 });
const res = await fetch(url + "/runs/wait", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ assistant_id: "counter", input: { n: 41 } }),
});
console.log(JSON.stringify(await res.json()));
await app.close();
`,
    );
    const result = await run(process.execPath, ["app.mjs"], app, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ n: 42 });
  });

  it("loads with require() too, and installs none of the Studio's build dependencies", async () => {
    writeFileSync(join(app, "app.cjs"), `const { createApp } = require("skeino");\nconsole.log(typeof createApp);\n`);
    const result = await run(process.execPath, ["app.cjs"], app, 60_000);
    expect(result.stdout.trim(), result.stderr).toBe("function");
    for (const studioOnly of ["react", "react-dom", "electron", "vite", "@xyflow/react", "@tanstack/react-query"]) {
      expect(existsSync(join(app, "node_modules", studioOnly)), studioOnly).toBe(false);
    }
  });

  it("type-checks a strict TypeScript file that imports skeino", async () => {
    writeFileSync(
      join(app, "user.ts"),
      `import { createApp, type SkeinoSettings, type SkeinoApp } from "skeino";
import { graph } from "./src/agent.js";
const settings: SkeinoSettings = { checkpointerScheme: "memory", workers: 2 };
const app: SkeinoApp = createApp({ graphs: { agent: graph }, settings });
export const url: Promise<string> = app.listen({ port: 0 });
// @ts-expect-error the scheme is a closed set: a typo must not compile
export const wrong: SkeinoSettings = { checkpointerScheme: "sqlite" };
`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(REPO_ROOT, "node_modules/@types")],
          types: ["node"],
        },
        files: ["user.ts"],
      }),
    );
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json", "--pretty", "false"], app, 180_000);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("serves a langgraph.json with `npx skeino serve` and no flags", async () => {
    // PORT=0: no flag, and no collision with whatever holds 2024 on this machine.
    const { child, output, stop } = npx(["serve"], app, { PORT: "0" });
    try {
      await expect
        .poll(() => /^persistence: memory; graphs: agent$/m.test(output.out) || child.exitCode !== null, { timeout: 60_000, interval: 200 })
        .toBe(true);
      const url = /^skeino listening on (http:\/\/\S+)$/m.exec(output.out)?.[1];
      expect(url, `${output.out}\n${output.err}`).toBeDefined();
      const res = await fetch(`${url}/runs/wait`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ assistant_id: "agent", input: { text: "hi" } }),
      });
      expect(await res.json()).toEqual({ text: "HI" });
      expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    } finally {
      await stop();
    }
    await expect.poll(() => output.err, { timeout: 30_000 }).toContain("SIGTERM received, draining runs and closing");
  });

  it("runs `npx skeino dev` with the Studio in the browser", async () => {
    const { child, output, stop } = npx(["dev"], app, { PORT: "0" });
    try {
      await expect.poll(() => /^watching /m.test(output.out) || child.exitCode !== null, { timeout: 60_000, interval: 200 }).toBe(true);
      const studio = /^Skeino Studio: (http:\/\/\S+)$/m.exec(output.out)?.[1];
      expect(studio, `${output.out}\n${output.err}`).toBeDefined();
      const page = await fetch(studio as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script[^>]+src="\.\/assets\//);
      const token = new URL(studio as string).searchParams.get("token") as string;
      const status = await fetch(new URL("/api/host/getServerStatus", studio), {
        method: "POST",
        headers: { "x-skeino-token": token, "content-type": "application/json" },
        body: "{}",
      });
      expect(((await status.json()) as { result: { state: string; graphIds: string[] } }).result).toMatchObject({
        state: "ready",
        graphIds: ["agent"],
      });
    } finally {
      await stop();
    }
  });
});
