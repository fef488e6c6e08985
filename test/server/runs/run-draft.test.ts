// The run record a creation writes: which config wins where, what never
// enters a run's config, and what belongs to the run alone.
import { describe, expect, it } from "vitest";
import { checkWebhook, draftRun, type RunDraftInput } from "../../../src/server/runs/run-draft.ts";
import type { Assistant, Thread } from "../../../src/server/persistence/types.ts";

const assistant: Assistant = {
  assistant_id: "a1",
  graph_id: "g",
  config: { tags: ["from-assistant"], configurable: { model: "small", temperature: 0 } },
  context: { tone: "dry" },
  metadata: { team: "x" },
  name: "a",
  description: null,
  version: 1,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const thread: Thread = {
  thread_id: "t1",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  metadata: { owner: "me" },
  status: "idle",
  config: { configurable: { model: "medium", checkpoint_id: "stale" } },
};
const input = (over: Partial<RunDraftInput> = {}): RunDraftInput => ({
  runId: "r1",
  body: { assistant_id: "a1" },
  headers: {},
  assistant,
  thread,
  strategy: "reject",
  temporary: false,
  ...over,
});

describe("draftRun", () => {
  it("merges config assistant < thread < request, and the ids always win", () => {
    const { run } = draftRun(input({ body: { assistant_id: "a1", config: { configurable: { temperature: 1, run_id: "forged" } } } }));
    expect(run.kwargs.config.configurable).toMatchObject({
      model: "medium",
      temperature: 1,
      run_id: "r1",
      thread_id: "t1",
      graph_id: "g",
      assistant_id: "a1",
    });
    expect(run.kwargs.context).toEqual({ tone: "dry" });
    expect(run.metadata).toEqual({ team: "x", owner: "me", graph_id: "g", assistant_id: "a1" });
    expect(run.kwargs.stream_mode).toEqual(["values"]);
  });

  it("keeps a fork's checkpoint in the run, never in the thread's config", () => {
    const { run, threadUpdate } = draftRun(input({ body: { assistant_id: "a1", checkpoint_id: "c9" } }));
    expect(run.kwargs.config.configurable?.checkpoint_id).toBe("c9");
    expect(threadUpdate.config?.configurable).not.toHaveProperty("checkpoint_id");
    expect(threadUpdate.status).toBe("busy");
  });

  it("copies x- headers and the user agent into configurable, but no secrets and no internal headers", () => {
    const headers = { "x-request-source": "ui", "user-agent": "sdk", "x-api-key": "secret", "x-skeino-internal": "1", authorization: "Bearer t" };
    const configurable = draftRun(input({ headers })).run.kwargs.config.configurable ?? {};
    expect(configurable).toMatchObject({ "x-request-source": "ui", "user-agent": "sdk" });
    expect(configurable).not.toHaveProperty("x-api-key");
    expect(configurable).not.toHaveProperty("x-skeino-internal");
    expect(configurable).not.toHaveProperty("authorization");
  });

  it("delays a run with after_seconds by its created_at", () => {
    const { run } = draftRun(input({ body: { assistant_id: "a1", after_seconds: 60 } }));
    expect(Date.parse(run.created_at) - Date.parse(run.updated_at)).toBe(60_000);
  });
});

describe("checkWebhook", () => {
  it("accepts http(s) URLs and paths on this server, refuses other schemes and protocol-relative URLs", () => {
    expect(() => checkWebhook("https://example.com/hook")).not.toThrow();
    expect(() => checkWebhook("/hooks/done")).not.toThrow();
    expect(() => checkWebhook("file:///etc/passwd")).toThrow(/only http and https/);
    expect(() => checkWebhook("//evil.example/hook")).toThrow(/Invalid webhook/);
  });
});
