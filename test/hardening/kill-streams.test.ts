// Streams across a kill -9: two `skeino serve` processes share one database;
// one is SIGKILLed while runs execute on both. Join streams opened on the
// survivor just before the kill and just after it all end within 10 s of
// the kill (the dead process's runs are settled by the survivor's reaper),
// and every run reaches a final status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { killAllCliChildren, REPO_ROOT, startCli, type CliServer } from "../helpers/cli.ts";
import { send, waitUntil } from "./support.ts";

const manifest = join(REPO_ROOT, "test/fixtures/scale-out/langgraph.json");
const TERMINAL = ["success", "error", "timeout", "interrupted"];
const LIMIT_MS = 10_000;

interface Ended {
  label: string;
  status: number;
  at: number;
  failed?: string;
}

async function readToEnd(
  url: string,
  label: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; ended: Promise<Ended> }> {
  const controller = new AbortController();
  const ceiling = setTimeout(() => controller.abort(), 90_000);
  try {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: controller.signal,
    });
    const ended = res
      .text()
      .then(() => ({ label, status: res.status, at: Date.now() }))
      .catch((error: Error) => ({ label, status: res.status, at: Date.now(), failed: error.message }))
      .finally(() => clearTimeout(ceiling));
    return { status: res.status, ended };
  } catch (error) {
    clearTimeout(ceiling);
    return { status: 0, ended: Promise.resolve({ label, status: 0, at: Date.now(), failed: (error as Error).message }) };
  }
}

describe("streams across a kill -9 of one of two processes", () => {
  let db: TestDatabase;
  let a: CliServer;
  let b: CliServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    const args = ["--config", manifest, "--port", "0", "--postgres-uri", db.uri, "--workers", "4", "--log-level", "error"];
    const env = { SCALE_OUT_EXEC_URI: db.uri, SKEINO_REAPER_INTERVAL_MS: "500", SKEINO_POLL_INTERVAL_MS: "100", SKEINO_SSE_HEARTBEAT_MS: "500" };
    a = await startCli(args, { env, startTimeoutMs: 60_000 });
    b = await startCli(args, { env, startTimeoutMs: 60_000 });
  }, 150_000);
  afterAll(async () => {
    await killAllCliChildren();
    await db?.drop();
  });

  it("join streams on the survivor, opened just before and just after the kill, end within 10 s of it", async () => {
    const runs: Array<{ thread: string; run: string }> = [];
    for (let i = 0; i < 6; i++) {
      const thread = (JSON.parse((await send(a.url, { method: "POST", path: "/threads", body: {} })).text) as { thread_id: string }).thread_id;
      const created = await send(a.url, { method: "POST", path: `/threads/${thread}/runs`, body: { assistant_id: "slow", input: { sleep: 40 } } });
      expect(created.status, created.text).toBe(200);
      runs.push({ thread, run: (JSON.parse(created.text) as { run_id: string }).run_id });
    }
    const status = async (r: { thread: string; run: string }) =>
      (JSON.parse((await send(b.url, { method: "GET", path: `/threads/${r.thread}/runs/${r.run}` })).text) as { status: string }).status;
    await waitUntil(async () => (await Promise.all(runs.map(status))).every((s) => s === "running"), 30_000, "every run to start", 100);

    const streams: Array<Promise<Ended>> = [];
    for (const r of runs) {
      const opened = await readToEnd(b.url, `join on the survivor before the kill (${r.run})`, `/threads/${r.thread}/runs/${r.run}/stream`, {
        headers: { "last-event-id": "-1" },
      });
      expect(opened.status).toBe(200);
      streams.push(opened.ended);
    }
    // One stream on the process about to die: it ends with the connection.
    streams.push((await readToEnd(a.url, "join on the killed process", `/threads/${runs[0].thread}/runs/${runs[0].run}/stream`)).ended);
    a.child.kill("SIGKILL");
    const killedAt = Date.now();
    for (const r of runs) {
      const opened = await readToEnd(b.url, `join on the survivor after the kill (${r.run})`, `/threads/${r.thread}/runs/${r.run}/stream`, {
        headers: { "last-event-id": "-1" },
      });
      expect(opened.status).toBe(200);
      streams.push(opened.ended);
    }
    const ended = await Promise.all(streams);
    console.info(
      "kill -9 streams:",
      ended.map((e) => `${e.label}: ended ${e.at - killedAt} ms after the kill${e.failed ? ` (${e.failed})` : ""}`),
    );
    expect(ended.filter((e) => e.at - killedAt > LIMIT_MS).map((e) => `${e.label}: ${e.at - killedAt} ms`)).toEqual([]);
    expect(ended.filter((e) => e.failed && !e.label.includes("killed process")).map((e) => `${e.label}: ${e.failed}`)).toEqual([]);
    for (const r of runs) expect(TERMINAL).toContain(await status(r));
  }, 120_000);
});
