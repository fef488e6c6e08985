// `skeino dev` as a user runs it: a project folder, the CLI in a child
// process, edits written to disk. On memory and on PostgreSQL: an edit reloads
// the graph in place (threads stay), a run already running finishes on the old
// code, a broken edit keeps the last good graphs and is reported on /info with
// its file and line, and the fix reloads again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { REPO_ROOT, SKEINO_BIN } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";

const agentSource = (body: string) => `import { Annotation, StateGraph } from "@langchain/langgraph";
import { reply } from "./reply.ts";
const State = Annotation.Root({ text: Annotation<string>, slow: Annotation<boolean>, release: Annotation<string> });
${body}
export const graph = new StateGraph(State)
  .addNode("answer", async (s: typeof State.State) => {
    // A slow run waits until the test creates its release file: it must finish
    // on the code it started with, whatever is reloaded meanwhile.
    if (s.slow) while (!(await import("node:fs")).existsSync(s.release)) await new Promise((r) => setTimeout(r, 20));
    return { text: reply(s.text) };
  })
  .addEdge("__start__", "answer")
  .compile();
`;
const replySource = (tag: string) => `export const reply = (text: string) => \`${tag}:\${text}:\${process.env.GREETING ?? ""}\`;\n`;

interface DevProcess {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
}

function startDev(project: string, env: NodeJS.ProcessEnv): Promise<DevProcess> {
  const child = spawn(process.execPath, [SKEINO_BIN, "dev", "--port", "0", "--no-studio", "--log-level", "warn"], {
    cwd: project,
    // No background schema parse: seconds of CPU these tests never use.
    env: { SKEINO_SCHEMA_PREFETCH: "0", ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`skeino dev did not start:\n${out}\n${err}`)), 60_000);
    child.stdout?.on("data", () => {
      const url = /^skeino listening on (http:\/\/\S+)$/m.exec(out)?.[1];
      if (url && /^watching /m.test(out)) {
        clearTimeout(timer);
        resolve({ child, url, out: () => out, err: () => err });
      }
    });
    child.once("exit", (code) => reject(new Error(`skeino dev exited ${code}:\n${err}`)));
  });
}

interface DevInfo {
  dev?: { generation: number; error: { message: string; file?: string; line?: number } | null; last_reload?: { graphs: string[] } };
}

const BACKENDS = ["memory", "postgres"] as const;

describe.each(BACKENDS)("skeino dev (%s)", (backend) => {
  const project = mkdtempSync(join(tmpdir(), "skeino-dev-"));
  let dev: DevProcess;
  let client: Client;
  let db: TestDatabase | undefined;
  const info = async () => (await (await fetch(`${dev.url}/info`)).json()) as DevInfo;
  const reloads = () => (dev.out().match(/^reloaded: agent \(\d+ ms\)$/gm) ?? []).length;
  const write = (file: string, text: string) => writeFileSync(join(project, file), text);

  beforeAll(async () => {
    mkdirSync(join(project, "src"));
    // The project's @langchain/langgraph: this repo's, as an installed project has its own.
    symlinkSync(join(REPO_ROOT, "node_modules"), join(project, "node_modules"), "dir");
    write("package.json", JSON.stringify({ name: "dev-project", private: true, type: "module" }));
    write(".env", "GREETING=hello\n");
    write("langgraph.json", JSON.stringify({ env: ".env", graphs: { agent: "./src/agent.ts:graph" } }));
    write("src/reply.ts", replySource("v1"));
    write("src/agent.ts", agentSource(""));
    const env: NodeJS.ProcessEnv = { SKEINO_POSTGRES_URI: "" };
    if (backend === "postgres") {
      db = await createTestDatabase();
      env.SKEINO_POSTGRES_URI = db.uri;
    }
    dev = await startDev(project, env);
    client = new Client({ apiUrl: dev.url, callerOptions: { maxRetries: 0 } });
  }, 120_000);

  afterAll(async () => {
    if (dev && dev.child.exitCode === null) {
      const exited = new Promise((r) => dev.child.once("exit", r));
      dev.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      dev.child.kill("SIGKILL");
    }
    await db?.drop();
    rmSync(project, { recursive: true, force: true });
  });

  it("reloads an edited import in place: the next run uses the new code, threads stay", async () => {
    expect(dev.out()).toMatch(`persistence: ${backend}; graphs: agent`);
    expect((await info()).dev).toMatchObject({ generation: 1, error: null });
    const thread = await client.threads.create();
    const first = (await client.runs.wait(thread.thread_id, "agent", { input: { text: "a" } })) as { text: string };
    expect(first.text).toBe("v1:a:hello");

    const before = reloads();
    const edited = performance.now();
    write("src/reply.ts", replySource("v2"));
    await expect.poll(reloads, { timeout: 30_000, interval: 50 }).toBe(before + 1);
    const second = (await client.runs.wait(thread.thread_id, "agent", { input: { text: "b" } })) as { text: string };
    const tookMs = Math.round(performance.now() - edited);
    expect(second.text).toBe("v2:b:hello");
    console.log(`[${backend}] edit -> first run on the new code: ${tookMs} ms`);

    // The thread and its checkpoints survived the reload.
    const history = await client.threads.getHistory(thread.thread_id);
    expect(history.length).toBeGreaterThanOrEqual(4);
    expect((await client.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
    expect((await info()).dev).toMatchObject({ generation: 2, error: null, last_reload: { graphs: ["agent"] } });
  });

  it("reloads an edited env file", async () => {
    const before = reloads();
    write(".env", "GREETING=bonjour\n");
    await expect.poll(reloads, { timeout: 30_000, interval: 50 }).toBe(before + 1);
    const out = (await client.runs.wait(null, "agent", { input: { text: "c" } })) as { text: string };
    expect(out.text).toBe("v2:c:bonjour");
  });

  it("lets a running run finish on the code it started with", async () => {
    const thread = await client.threads.create();
    const release = join(tmpdir(), `skeino-dev-release-${thread.thread_id}`);
    const run = await client.runs.create(thread.thread_id, "agent", { input: { text: "slow", slow: true, release } });
    await expect.poll(async () => (await client.runs.get(thread.thread_id, run.run_id)).status, { timeout: 30_000, interval: 50 }).toBe("running");
    const before = reloads();
    write("src/reply.ts", replySource("v3"));
    await expect.poll(reloads, { timeout: 30_000, interval: 50 }).toBe(before + 1);
    // The run goes on only now, after the reload.
    writeFileSync(release, "");
    await client.runs.join(thread.thread_id, run.run_id);
    rmSync(release);
    const state = await client.threads.getState<{ text: string }>(thread.thread_id);
    expect(state.values.text).toBe("v2:slow:bonjour");
    const next = (await client.runs.wait(thread.thread_id, "agent", { input: { text: "d", slow: false } })) as { text: string };
    expect(next.text).toBe("v3:d:bonjour");
  });

  it("keeps serving the last good graphs on a broken edit, names the file and line on /info, and reloads once fixed", async () => {
    const generation = (await info()).dev?.generation as number;
    // Line 4 of agent.ts: a syntax error.
    write("src/agent.ts", agentSource("const broken = ;"));
    await expect.poll(async () => (await info()).dev?.error ?? null, { timeout: 30_000, interval: 50 }).not.toBeNull();
    const { dev: status } = await info();
    expect(status?.error?.file).toBe(join(project, "src/agent.ts"));
    expect(status?.error?.line).toBe(4);
    expect(status?.error?.message).toMatch(/agent\.ts/);
    expect(status?.generation).toBe(generation);
    expect(dev.err()).toMatch(/reload failed, still serving the last good graphs\. src\/agent\.ts:4: /);

    const still = (await client.runs.wait(null, "agent", { input: { text: "e" } })) as { text: string };
    expect(still.text).toBe("v3:e:bonjour");

    const before = reloads();
    write("src/agent.ts", agentSource("const fixed = 1;"));
    await expect.poll(reloads, { timeout: 30_000, interval: 50 }).toBe(before + 1);
    expect((await info()).dev).toMatchObject({ generation: generation + 1, error: null });
  });

  it("watches a file an edit newly imports", async () => {
    write("src/extra.ts", "export const extra = 1;\n");
    const before = reloads();
    write("src/agent.ts", agentSource('import { extra } from "./extra.ts";\nvoid extra;'));
    await expect.poll(reloads, { timeout: 30_000, interval: 50 }).toBe(before + 1);
    write("src/extra.ts", "export const extra = 2;\n");
    await expect.poll(reloads, { timeout: 30_000, interval: 50 }).toBe(before + 2);
    expect((await info()).dev?.last_reload).toMatchObject({ graphs: ["agent"], files: ["src/extra.ts"] });
  });

  it("reloads an edited langgraph.json: a new graph gets its assistant, the old threads stay", async () => {
    const before = (dev.out().match(/^reloaded: /gm) ?? []).length;
    const threads = await client.threads.search({ limit: 100 });
    write("langgraph.json", JSON.stringify({ env: ".env", graphs: { agent: "./src/agent.ts:graph", echo: "./src/agent.ts:graph" } }));
    await expect.poll(() => (dev.out().match(/^reloaded: /gm) ?? []).length, { timeout: 30_000, interval: 50 }).toBe(before + 1);
    expect(dev.out()).toMatch(/^reloaded: agent, echo \(\d+ ms\)$/m);
    const assistants = await client.assistants.search({ graphId: "echo" });
    expect(assistants.map((a) => a.metadata?.created_by)).toEqual(["system"]);
    const out = (await client.runs.wait(null, "echo", { input: { text: "f" } })) as { text: string };
    expect(out.text).toBe("v3:f:bonjour");
    expect((await client.threads.search({ limit: 100 })).length).toBe(threads.length);
  });

  it("exits 0 on SIGTERM", async () => {
    const exited = new Promise<number | null>((r) => dev.child.once("exit", (code) => r(code)));
    dev.child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

describe("skeino dev started on a broken graph", () => {
  const project = mkdtempSync(join(tmpdir(), "skeino-dev-broken-"));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      child.kill("SIGKILL");
    }
    rmSync(project, { recursive: true, force: true });
  });

  it("says where it broke, waits for the fix, then serves", async () => {
    mkdirSync(join(project, "src"));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(project, "node_modules"), "dir");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "dev-broken", private: true, type: "module" }));
    writeFileSync(join(project, "langgraph.json"), JSON.stringify({ graphs: { agent: "./src/agent.ts:graph" } }));
    writeFileSync(join(project, "src/reply.ts"), replySource("v1"));
    writeFileSync(join(project, "src/agent.ts"), agentSource("const broken = ;"));
    child = spawn(process.execPath, [SKEINO_BIN, "dev", "--port", "0", "--no-studio", "--log-level", "warn"], {
      cwd: project,
      env: { SKEINO_SCHEMA_PREFETCH: "0", ...process.env, SKEINO_POSTGRES_URI: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    await expect.poll(() => err, { timeout: 60_000, interval: 100 }).toMatch(/waiting for an edit to try again/);
    expect(err).toMatch(/cannot start yet\. src\/agent\.ts:4: /);
    expect(child.exitCode).toBeNull();

    writeFileSync(join(project, "src/agent.ts"), agentSource(""));
    await expect.poll(() => /^watching /m.test(out), { timeout: 60_000, interval: 100 }).toBe(true);
    const url = /^skeino listening on (http:\/\/\S+)$/m.exec(out)?.[1] as string;
    const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
    const result = (await client.runs.wait(null, "agent", { input: { text: "x" } })) as { text: string };
    expect(result.text).toBe("v1:x:");
    // Two cold starts of `skeino dev` (the broken one, then the fixed one): a ceiling for a busy machine.
  }, 180_000);
});
