// Server benchmark (memory backend): what a client pays for going through
// skeino versus invoking the same graph in-process. The server runs as users
// run it: `skeino serve` in its own process; the client (the SDK) here.
// Prints numbers; not a test.
//   node --import tsx bench/server.ts [--quick]
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { MemorySaver } from "@langchain/langgraph";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { twoNodeBuilder } from "./project/graphs.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Starts `skeino serve` on a free port; resolves with its URL and a stop function. */
export function startServe(extraArgs: string[] = []): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bin/skeino.mjs`, "serve", "--config", `${root}bench/project/langgraph.json`, "--port", "0", "--log-level", "error", ...extraArgs], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/skeino listening on (\S+)/);
      if (m)
        resolve({
          url: m[1],
          pid: child.pid as number,
          stop: () =>
            new Promise((done) => {
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
    });
    child.once("exit", (code) => reject(new Error(`skeino serve exited with ${code}`)));
  });
}

const quick = process.argv.includes("--quick");
const N_SEQ = quick ? 100 : 400;
const N_CONC = quick ? 200 : 800;
const CONCURRENCY = 8;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function timeMany(n: number, concurrency: number, op: (i: number) => Promise<void>): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await op(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: n / seconds, latencies: latencies.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  const server = await startServe();
  const url = server.url;
  const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  const rows: Array<[string, string]> = [];

  // Warm up both paths (JIT, module loading).
  for (let i = 0; i < 30; i++) {
    const t = await client.threads.create();
    await client.runs.wait(t.thread_id, "two", { input: { messages: ["x"] } });
  }
  const inProcess = twoNodeBuilder().compile({ checkpointer: new MemorySaver() });
  for (let i = 0; i < 30; i++) await inProcess.invoke({ messages: ["x"] }, { configurable: { thread_id: randomUUID() } });

  const serverSeq = await timeMany(N_SEQ, 1, async () => {
    const t = await client.threads.create();
    await client.runs.wait(t.thread_id, "two", { input: { messages: ["x"] } });
  });
  const serverConc = await timeMany(N_CONC, CONCURRENCY, async () => {
    const t = await client.threads.create();
    await client.runs.wait(t.thread_id, "two", { input: { messages: ["x"] } });
  });
  const localSeq = await timeMany(N_SEQ, 1, async () => {
    await inProcess.invoke({ messages: ["x"] }, { configurable: { thread_id: randomUUID() } });
  });
  const localConc = await timeMany(N_CONC, CONCURRENCY, async () => {
    await inProcess.invoke({ messages: ["x"] }, { configurable: { thread_id: randomUUID() } });
  });
  rows.push(["create-thread + runs.wait, sequential", `${serverSeq.perSecond.toFixed(1)} runs/s (p50 ${fmt(pct(serverSeq.latencies, 50))}, p99 ${fmt(pct(serverSeq.latencies, 99))})`]);
  rows.push([`create-thread + runs.wait, ${CONCURRENCY} concurrent`, `${serverConc.perSecond.toFixed(1)} runs/s (p50 ${fmt(pct(serverConc.latencies, 50))}, p99 ${fmt(pct(serverConc.latencies, 99))})`]);
  rows.push(["in-process invoke (MemorySaver), sequential", `${localSeq.perSecond.toFixed(1)} runs/s`]);
  rows.push([`in-process invoke (MemorySaver), ${CONCURRENCY} concurrent`, `${localConc.perSecond.toFixed(1)} runs/s`]);
  rows.push(["ratio server/in-process, sequential", `${((serverSeq.perSecond / localSeq.perSecond) * 100).toFixed(1)}%`]);
  rows.push([`ratio server/in-process, ${CONCURRENCY} concurrent`, `${((serverConc.perSecond / localConc.perSecond) * 100).toFixed(1)}%`]);

  // GET state of a thread with a finished run.
  const stateThread = await client.threads.create();
  await client.runs.wait(stateThread.thread_id, "two", { input: { messages: ["x"] } });
  const stateUrl = `${url}/threads/${stateThread.thread_id}/state`;
  for (let i = 0; i < 100; i++) await (await fetch(stateUrl)).arrayBuffer();
  const getState = await timeMany(1000, 1, async () => {
    await (await fetch(stateUrl)).arrayBuffer();
  });
  rows.push(["GET /threads/{id}/state", `p50 ${fmt(pct(getState.latencies, 50))}, p99 ${fmt(pct(getState.latencies, 99))}`]);

  // Metadata search on a server holding exactly 1,000 threads (its own process).
  {
    const searchServer = await startServe();
    const searchClient = new Client({ apiUrl: searchServer.url, callerOptions: { maxRetries: 0 } });
    for (let i = 0; i < 1000; i++) await searchClient.threads.create({ metadata: { bench: "search", group: i % 10 } });
    const searchBody = JSON.stringify({ metadata: { bench: "search", group: 3 }, limit: 10 });
    const search = () =>
      fetch(`${searchServer.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: searchBody }).then((r) => r.arrayBuffer());
    for (let i = 0; i < 200; i++) await search();
    const searchTimes = await timeMany(1000, 1, async () => {
      await search();
    });
    rows.push([
      "POST /threads/search (metadata filter, 1,000 threads)",
      `p50 ${fmt(pct(searchTimes.latencies, 50))}, p95 ${fmt(pct(searchTimes.latencies, 95))}, p99 ${fmt(pct(searchTimes.latencies, 99))}`,
    ]);
    await searchServer.stop();
  }

  // Time to first event and to stream close, 100 custom events.
  const firstEvent: number[] = [];
  const closeTimes: number[] = [];
  for (let i = 0; i < (quick ? 20 : 100); i++) {
    const t = await client.threads.create();
    const t0 = performance.now();
    const res = await fetch(`${url}/threads/${t.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "custom", input: {}, stream_mode: ["custom"] }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let first: number | undefined;
    let events = 0;
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      first ??= performance.now() - t0;
      events += (decoder.decode(value).match(/^event: custom$/gm) ?? []).length;
    }
    if (events !== 100) throw new Error(`expected 100 custom events, got ${events}`);
    firstEvent.push(first as number);
    closeTimes.push(performance.now() - t0);
  }
  firstEvent.sort((a, b) => a - b);
  closeTimes.sort((a, b) => a - b);
  rows.push(["stream of 100 custom events: first event", `p50 ${fmt(pct(firstEvent, 50))}, p99 ${fmt(pct(firstEvent, 99))}`]);
  rows.push(["stream of 100 custom events: stream closed", `p50 ${fmt(pct(closeTimes, 50))}, p99 ${fmt(pct(closeTimes, 99))}`]);

  // GET state of a 1 MB state.
  const big = await client.threads.create();
  await client.runs.wait(big.thread_id, "two", { input: { messages: ["x"] } });
  await client.threads.updateState(big.thread_id, { values: { blob: "x".repeat(1024 * 1024) }, asNode: "second" });
  const bigUrl = `${url}/threads/${big.thread_id}/state`;
  for (let i = 0; i < 10; i++) await (await fetch(bigUrl)).arrayBuffer();
  const bigState = await timeMany(quick ? 30 : 100, 1, async () => {
    const body = await (await fetch(bigUrl)).arrayBuffer();
    if (body.byteLength < 1024 * 1024) throw new Error("state too small");
  });
  rows.push(["GET state of a 1 MB state", `p50 ${fmt(pct(bigState.latencies, 50))}, p99 ${fmt(pct(bigState.latencies, 99))}`]);

  await server.stop();
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`skeino server benchmark (memory), node ${process.version}, ${new Date().toISOString()}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
