// Custom checkpointers end to end: settings.checkpointer (an instance or an
// async factory) through createApp, and the manifest's "checkpointer" entry
// through `skeino serve`. Runs must checkpoint into the user's saver, and
// /info must say the scheme is "custom".
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CompiledGraph } from "../../src/server/graphs/registry.ts";
import { StateGraph, START, END } from "@langchain/langgraph";
import { simple, SimpleState } from "../fixtures/graphs.ts";
import { CountingSaver } from "../fixtures/custom-checkpointer/counting-saver.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { killAllCliChildren, REPO_ROOT, startCli } from "../helpers/cli.ts";

interface Info {
  persistence: { scheme: string };
}

async function info(url: string): Promise<Info> {
  const response = await fetch(`${url}/info`);
  return (await response.json()) as Info;
}

async function runSimpleTwice(server: TestServer): Promise<string> {
  const thread = await server.client.threads.create();
  await server.client.runs.wait(thread.thread_id, "simple", { input: { messages: ["x"] } });
  await server.client.runs.wait(thread.thread_id, "simple", { input: { messages: ["y"] } });
  return thread.thread_id;
}

const twoNodes = () =>
  new StateGraph(SimpleState)
    .addNode("a", () => ({ messages: ["a"] }))
    .addNode("b", () => ({ messages: ["b"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", END);

const servers: TestServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
  await killAllCliChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("settings.checkpointer through createApp", () => {
  it("checkpoints every run into a saver instance and reports scheme custom", async () => {
    const saver = new CountingSaver();
    const server = await startTestServer("memory", { graphs: { simple }, settings: { checkpointer: saver } });
    servers.push(server);
    expect((await info(server.url)).persistence.scheme).toBe("custom");
    const threadId = await runSimpleTwice(server);
    // Per run: the input checkpoint, one per node, and the loop's first one.
    expect(saver.puts).toBeGreaterThanOrEqual(6);
    // The state the API serves is the one in the user's saver.
    const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    const state = await server.client.threads.getState<{ messages: string[] }>(threadId);
    expect(state.checkpoint.checkpoint_id).toBe(tuple?.checkpoint.id);
    expect(state.values.messages).toEqual(["x", "a", "b", "y", "a", "b"]);
    expect(tuple?.checkpoint.channel_values.messages).toEqual(state.values.messages);
  });

  it("calls an async factory once and hands its saver to builders", async () => {
    let made: CountingSaver | undefined;
    let calls = 0;
    const factory = async (): Promise<BaseCheckpointSaver> => {
      calls += 1;
      made = new CountingSaver();
      return made;
    };
    let builtWith: BaseCheckpointSaver | undefined;
    const server = await startTestServer("memory", {
      graphs: {
        // The documented builder form: compile with the checkpointer given.
        simple: async (checkpointer: BaseCheckpointSaver) => {
          builtWith = checkpointer;
          // The cast: GraphEntry's CompiledGraph does not accept a compiled
          // StateGraph of langgraph 1.7 (streamTransformers), see the report.
          return twoNodes().compile({ checkpointer }) as unknown as CompiledGraph;
        },
      },
      settings: { checkpointer: factory },
    });
    servers.push(server);
    expect(calls).toBe(1);
    expect(builtWith).toBe(made);
    expect((await info(server.url)).persistence.scheme).toBe("custom");
    await runSimpleTwice(server);
    expect(made?.puts).toBeGreaterThanOrEqual(6);
  });
});

describe('manifest "checkpointer" entry through skeino serve', () => {
  it("loads the factory from the manifest, checkpoints into it and reports persistence custom", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skeino-custom-cp-"));
    dirs.push(dir);
    const putLog = join(dir, "puts.log");
    const server = await startCli(
      ["--config", join(REPO_ROOT, "test/fixtures/custom-checkpointer/langgraph.json"), "--port", "0", "--log-level", "error"],
      { env: { SKEINO_TEST_PUT_LOG: putLog, SKEINO_POSTGRES_URI: "" } },
    );
    try {
      expect(server.stdout()).toMatch(/^persistence: custom; graphs: two$/m);
      expect((await info(server.url)).persistence.scheme).toBe("custom");
      const thread = await server.client.threads.create();
      const done = await server.client.runs.wait(thread.thread_id, "two", { input: { log: ["in"] } });
      expect(done).toEqual({ log: ["in", "a", "b"] });
      expect(existsSync(putLog)).toBe(true);
      const lines = readFileSync(putLog, "utf-8").trim().split("\n");
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(new Set(lines)).toEqual(new Set([thread.thread_id]));
    } finally {
      expect(await server.stop("SIGTERM")).toBe("0/null");
    }
  });
});
