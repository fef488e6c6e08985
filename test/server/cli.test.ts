// `skeino serve` as a user runs it: a child process, a langgraph.json whose
// graphs use their own copy of @langchain/langgraph, the SDK client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";

const root = join(import.meta.dirname, "../..");
const bin = join(root, "bin/skeino.mjs");
const manifest = join(root, "test/fixtures/project/langgraph.json");

interface Started {
  child: ChildProcess;
  url: string;
  lines: string[];
  stderr: () => string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "serve", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = out.match(/^skeino listening on (http:\/\/\S+)$/m);
      if (match && out.split("\n").length > 2) resolve({ child, url: match[1], lines: out.split("\n"), stderr: () => err });
    });
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`skeino exited ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`skeino did not start: ${err}`)), 30_000).unref();
  });
}

function runToExit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => resolve({ code, stderr: err }));
  });
}

describe("skeino serve (CLI)", () => {
  let server: Started;
  let client: Client;
  beforeAll(async () => {
    server = await startCli(["--config", manifest, "--port", "0"]);
    client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(() => {
    server?.child.kill("SIGKILL");
  });

  it("prints the URL, then the scheme and graph ids", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.lines[1]).toBe("persistence: memory; graphs: chat, factory, promised");
  });

  it("runs a graph from another langgraph copy: custom stream, interrupt, resume, state", async () => {
    const thread = await client.threads.create();
    const events = [];
    for await (const e of client.runs.stream(thread.thread_id, "chat", { input: {}, streamMode: ["custom", "values", "updates"] })) events.push(e);
    expect(events.find((e) => e.event === "custom")?.data).toEqual({ greeting: "hello from .env" });
    const state = await client.threads.getState<{ log: string[]; tone: string }>(thread.thread_id);
    expect(state.next).toEqual(["ask"]);
    expect(state.values.tone).toBe("warm"); // LANGGRAPH_CONFIG from the manifest's env file
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const done = await client.runs.wait(thread.thread_id, "chat", { command: { resume: "yes" } });
    expect(done).toMatchObject({ log: ["chat:greet", "ask:yes"] });
    const history = await client.threads.getHistory(thread.thread_id);
    expect(history.length).toBeGreaterThanOrEqual(4);
  });

  it("calls an exported function as a factory with the run's config", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "factory", { input: {}, config: { configurable: { variant: "b" } } });
    const state = await client.threads.getState<{ log: string[] }>(thread.thread_id);
    expect(state.values.log).toEqual(["factory-b:greet"]);
  });

  it("awaits a promised graph export", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "promised", { input: {} });
    const state = await client.threads.getState<{ log: string[] }>(thread.thread_id);
    expect(state.values.log).toEqual(["promised:greet"]);
  });

  it("exits 0 on SIGTERM after draining", async () => {
    const own = await startCli(["--config", manifest, "--port", "0"]);
    const exited = new Promise<string>((resolve) => own.child.on("exit", (code, signal) => resolve(`${code}/${signal}`)));
    own.child.kill("SIGTERM");
    expect(await exited, own.stderr()).toBe("0/null");
  });
});

describe("skeino serve with a bad configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), "skeino-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["a missing manifest", "missing.json", null, /no such file/],
    ["invalid JSON", "bad.json", "{ nope", /not valid JSON/],
    ["no graphs", "empty.json", "{}", /"graphs" must map graph ids/],
    ["a missing graph file", "nofile.json", JSON.stringify({ graphs: { g: "./nowhere.ts:graph" } }), /graphs\.g.*does not exist/],
    [
      "a missing export",
      "noexport.json",
      JSON.stringify({ graphs: { g: `${manifest.replace("langgraph.json", "src/chat.ts")}:nope` } }),
      /no export "nope"/,
    ],
    ["an unset variable", "unset.json", JSON.stringify({ graphs: { g: "${SKEINO_SURELY_UNSET}" } }), /SKEINO_SURELY_UNSET.*not set/],
    [
      "a ui entry that is not a map",
      "ui.json",
      JSON.stringify({ graphs: { g: `${manifest.replace("langgraph.json", "src/chat.ts")}:graph` }, ui: ["./ui.tsx"] }),
      /"ui" must map names to component files/,
    ],
    [
      "a ui component that is not a path",
      "ui2.json",
      JSON.stringify({ graphs: { g: `${manifest.replace("langgraph.json", "src/chat.ts")}:graph` }, ui: { a: 3 } }),
      /"ui"\."a" must be a file path/,
    ],
    [
      "a ui component that does not bundle",
      "ui3.json",
      JSON.stringify({ graphs: { g: `${manifest.replace("langgraph.json", "src/chat.ts")}:graph` }, ui: { a: "./nowhere.tsx" } }),
      /"ui"\."a": could not bundle \.\/nowhere\.tsx/,
    ],
    [
      "a non-postgres store uri",
      "store.json",
      JSON.stringify({ graphs: { g: `${manifest.replace("langgraph.json", "src/chat.ts")}:graph` }, store: { uri: "mysql://x" } }),
      /store\.uri.*postgres/,
    ],
  ])("exits non-zero on %s, naming the file and the fix", async (_name, file, content, message) => {
    const path = join(dir, file as string);
    if (content !== null) writeFileSync(path, content as string);
    const { code, stderr } = await runToExit(["serve", "--config", path, "--port", "0"]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message as RegExp);
    expect(stderr).toContain(path);
  });

  it("rejects a bad port", async () => {
    const { code, stderr } = await runToExit(["serve", "--config", manifest, "--port", "99999"]);
    // A usage error: exit 2, as command-line tools do.
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port/);
  });
});
