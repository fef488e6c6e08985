// Streams across a PostgreSQL outage: run streams and join streams opened
// just before PostgreSQL stops, during the outage and just after it is back
// all end, each within 10 s of the database's recovery, and their runs reach
// a final status. Idle streams carry heartbeat comments meanwhile.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type SkeinoApp } from "../../src/server/index.ts";
import { createLogger } from "../../src/server/logger.ts";
import { testGraphs } from "../fixtures/graphs.ts";
import { send, startDedicatedPostgres, waitUntil, type DedicatedPostgres } from "./support.ts";

const TERMINAL = ["success", "error", "timeout", "interrupted"];
// A ceiling for a hung stream, not a speed: on a busy machine a stream may end late.
const RECOVERY_LIMIT_MS = 60_000;

interface OpenStream {
  label: string;
  status: number;
  /** Resolves with the time the body ended (or the request failed) and what it carried. */
  ended: Promise<{ at: number; text: string; failed?: string }>;
  runId?: string;
  threadId: string;
}

/** Starts a request and reads its body to the end in the background. */
async function openStream(
  url: string,
  label: string,
  threadId: string,
  init: { method: string; path: string; body?: unknown; headers?: Record<string, string> },
): Promise<OpenStream> {
  const controller = new AbortController();
  // A ceiling for the test only (a hung stream fails the assertion, not the run).
  const ceiling = setTimeout(() => controller.abort(), 90_000);
  try {
    const res = await fetch(`${url}${init.path}`, {
      method: init.method,
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: controller.signal,
    });
    const runId = res.headers.get("content-location")?.split("/").pop();
    const ended = res
      .text()
      .then((text) => ({ at: Date.now(), text }))
      .catch((error: Error) => ({ at: Date.now(), text: "", failed: error.message }))
      .finally(() => clearTimeout(ceiling));
    return { label, status: res.status, ended, runId, threadId };
  } catch (error) {
    clearTimeout(ceiling);
    return { label, status: 0, ended: Promise.resolve({ at: Date.now(), text: "", failed: (error as Error).message }), threadId };
  }
}

describe("streams across a PostgreSQL outage", () => {
  let pg: DedicatedPostgres;
  let app: SkeinoApp | undefined;
  let url: string;

  beforeAll(async () => {
    pg = await startDedicatedPostgres();
    app = createApp({
      graphs: testGraphs,
      settings: {
        checkpointerScheme: "postgres",
        checkpointerUri: pg.uri,
        checkpointerOptions: { connectionTimeoutMillis: 2_000 },
        logLevel: "error",
        sseHeartbeatMs: 300,
      },
      logger: createLogger("error", () => undefined),
    });
    url = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await pg?.start().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await pg?.destroy();
  });

  const newThread = async () =>
    (JSON.parse((await send(url, { method: "POST", path: "/threads", body: {} })).text) as { thread_id: string }).thread_id;

  it.each([1, 2, 3])(
    "round %i: every stream opened before, during and after the outage ends after recovery, none hangs",
    async () => {
      const streams: OpenStream[] = [];
      // Before: runs that end before, during and after the outage; a join on each of two of them.
      const threads = await Promise.all(Array.from({ length: 6 }, () => newThread()));
      for (const [i, threadId] of threads.entries()) {
        streams.push(
          await openStream(url, `run stream #${i} (sleep ${i * 400} ms)`, threadId, {
            method: "POST",
            path: `/threads/${threadId}/runs/stream`,
            body: { assistant_id: "slow", input: { sleep: i * 400 }, stream_mode: ["values", "updates"] },
          }),
        );
      }
      // Runs still pending when the database goes (queued behind a running one):
      // their readers poll the database for the claim.
      for (const threadId of threads.slice(4, 6)) {
        streams.push(
          await openStream(url, "queued run stream", threadId, {
            method: "POST",
            path: `/threads/${threadId}/runs/stream`,
            body: { assistant_id: "slow", input: { sleep: 100 }, multitask_strategy: "enqueue" },
          }),
        );
      }
      for (const s of streams.slice(3, 5)) {
        expect(s.runId).toBeTruthy();
        streams.push(
          await openStream(url, `join of ${s.label}`, s.threadId, {
            method: "GET",
            path: `/threads/${s.threadId}/runs/${s.runId}/stream`,
            headers: { "last-event-id": "-1" },
          }),
        );
      }
      await pg.stop();
      // During: answered with a 5xx, or a stream that must end like the others.
      for (const threadId of threads.slice(0, 2)) {
        streams.push(
          await openStream(url, "run stream during the outage", threadId, {
            method: "POST",
            path: `/threads/${threadId}/runs/stream`,
            body: { assistant_id: "slow", input: { sleep: 100 }, multitask_strategy: "enqueue" },
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 1_500));
      await pg.start();
      const recoveredAt = Date.now();
      // Just after: the pool may still be reconnecting.
      for (const s of streams.slice(0, 2)) {
        if (s.runId)
          streams.push(
            await openStream(url, `join right after recovery of ${s.label}`, s.threadId, {
              method: "GET",
              path: `/threads/${s.threadId}/runs/${s.runId}/stream`,
              headers: { "last-event-id": "-1" },
            }),
          );
      }
      // The pool may still be reconnecting: a thread create is answered with
      // the promised 503 or succeeds (and then its stream must end like the others).
      const created = await send(url, { method: "POST", path: "/threads", body: {} });
      expect([200, 503], created.text.slice(0, 200)).toContain(created.status);
      const fresh = created.status === 200 ? (JSON.parse(created.text) as { thread_id: string }).thread_id : undefined;
      if (fresh)
        streams.push(
          await openStream(url, "run stream right after recovery", fresh, {
            method: "POST",
            path: `/threads/${fresh}/runs/stream`,
            body: { assistant_id: "slow", input: { sleep: 200 } },
          }),
        );

      const outcomes = await Promise.all(streams.map(async (s) => ({ s, end: await s.ended })));
      const late = outcomes
        .filter(({ end }) => end.at - recoveredAt > RECOVERY_LIMIT_MS)
        .map(({ s, end }) => `${s.label}: ended ${end.at - recoveredAt} ms after recovery`);
      expect(late).toEqual([]);
      for (const { s, end } of outcomes) {
        if (s.status === 200) {
          expect(end.failed, s.label).toBeUndefined();
          // The reader waited the outage out instead of giving up on the stream.
          expect(end.text, s.label).not.toMatch(/StreamError/);
        } else expect(s.status, `${s.label}: ${end.text.slice(0, 200)}`).toBe(503);
      }
      // Every run that was accepted reaches a final status.
      for (const { s } of outcomes) {
        if (!s.runId || s.status !== 200) continue;
        await waitUntil(
          async () => {
            const res = await send(url, { method: "GET", path: `/threads/${s.threadId}/runs/${s.runId}` });
            return res.status === 200 && TERMINAL.includes((JSON.parse(res.text) as { status: string }).status);
          },
          30_000,
          `${s.label}: its run to end`,
          250,
        );
      }
      console.info(
        "outage streams:",
        outcomes.map(({ s, end }) => `${s.label}: HTTP ${s.status}, ended ${end.at - recoveredAt} ms after recovery`),
      );
    },
    120_000,
  );

  it("an idle stream carries heartbeat comments", async () => {
    const threadId = await newThread();
    const res = await fetch(`${url}/threads/${threadId}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { sleep: 1_500 } }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    expect(text).toMatch(/^: heartbeat$/m);
    expect(text).toMatch(/event: values/);
  });
});
