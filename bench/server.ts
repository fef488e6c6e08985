// Server benchmark (memory backend): what a client pays for going through
// skeino versus invoking the same graph in-process. The server runs as users
// run it: `skeino serve` in its own process. Two clients measure it: the SDK
// (what users call, in this process) and bench/lean-client.mjs (node:http in
// its own process, which isolates the server's cost from the client's). A bare
// fastify server that only invokes the graph (bench/floor-server.ts) shows the
// floor any HTTP server has on this machine. Prints numbers; not a test.
//   node --import tsx bench/server.ts [--quick]
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { MemorySaver } from "@langchain/langgraph";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { twoNodeBuilder } from "./project/graphs.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Served {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns a server process and resolves once it prints "... listening on URL". */
function spawnServer(args: string[]): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (\S+)/);
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
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
}

/** Starts `skeino serve` on a free port; resolves with its URL and a stop function. */
export function startServe(extraArgs: string[] = []): Promise<Served> {
  return spawnServer([
    `${root}bin/skeino.mjs`,
    "serve",
    "--config",
    `${root}bench/project/langgraph.json`,
    "--port",
    "0",
    "--log-level",
    "error",
    ...extraArgs,
  ]);
}

interface LeanResult {
  perSecond: number;
  latencies: { p50: number; p95: number; p99: number };
}

/** Runs bench/lean-client.mjs (plain node, no TypeScript loader) against `url`. */
function lean(url: string, args: Array<string | number>): Promise<LeanResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [`${root}bench/lean-client.mjs`, url, ...args.map(String)], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) as string) as LeanResult);
    });
  });
}

const quick = process.argv.includes("--quick");
const N_SEQ = quick ? 100 : 1000;
const N_CONC = quick ? 200 : 1600;
const CONCURRENCY = 8;
const WARM_UP = quick ? 100 : 1000;

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
  const rows: Array<[string, string]> = [];
  const rate = (r: { perSecond: number; latencies: number[] }) =>
    `${r.perSecond.toFixed(1)} runs/s (p50 ${fmt(pct(r.latencies, 50))}, p99 ${fmt(pct(r.latencies, 99))})`;
  const leanRate = (r: LeanResult) => `${r.perSecond.toFixed(1)} runs/s (p50 ${fmt(r.latencies.p50)}, p99 ${fmt(r.latencies.p99)})`;
  const ratio = (a: number, b: number) => `${((a / b) * 100).toFixed(1)}%`;

  // In-process first, in a process nothing else has loaded yet. Every path
  // is warmed up the same way: hot functions are optimized only after
  // thousands of calls, so a short warm-up measures the interpreter, not the
  // steady state a server lives in.
  const inProcess = twoNodeBuilder().compile({ checkpointer: new MemorySaver() });
  const invoke = async () => {
    await inProcess.invoke({ messages: ["x"] }, { configurable: { thread_id: randomUUID() } });
  };
  for (let i = 0; i < WARM_UP; i++) await invoke();
  const localSeq = await timeMany(N_SEQ, 1, invoke);
  const localConc = await timeMany(N_CONC, CONCURRENCY, invoke);
  rows.push(["in-process invoke (MemorySaver), sequential", `${localSeq.perSecond.toFixed(1)} runs/s`]);
  rows.push([`in-process invoke (MemorySaver), ${CONCURRENCY} concurrent`, `${localConc.perSecond.toFixed(1)} runs/s`]);

  const server = await startServe();
  const url = server.url;
  const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  const createWait = async () => {
    const t = await client.threads.create();
    await client.runs.wait(t.thread_id, "two", { input: { messages: ["x"] } });
  };
  for (let i = 0; i < WARM_UP; i++) await createWait();
  const serverSeq = await timeMany(N_SEQ, 1, createWait);
  const serverConc = await timeMany(N_CONC, CONCURRENCY, createWait);
  rows.push(["skeino, SDK client: create-thread + runs.wait, sequential", rate(serverSeq)]);
  rows.push([`skeino, SDK client: create-thread + runs.wait, ${CONCURRENCY} concurrent`, rate(serverConc)]);
  rows.push(["  ratio to in-process, sequential", ratio(serverSeq.perSecond, localSeq.perSecond)]);
  rows.push([`  ratio to in-process, ${CONCURRENCY} concurrent`, ratio(serverConc.perSecond, localConc.perSecond)]);
  const leanSeq = await lean(url, ["create-wait", N_SEQ, 1, WARM_UP]);
  const leanConc = await lean(url, ["create-wait", N_CONC, CONCURRENCY, 0]);
  rows.push(["skeino, lean client: create-thread + runs.wait, sequential", leanRate(leanSeq)]);
  rows.push([`skeino, lean client: create-thread + runs.wait, ${CONCURRENCY} concurrent`, leanRate(leanConc)]);
  rows.push(["  ratio to in-process, sequential", ratio(leanSeq.perSecond, localSeq.perSecond)]);
  rows.push([`  ratio to in-process, ${CONCURRENCY} concurrent`, ratio(leanConc.perSecond, localConc.perSecond)]);

  // The floor: bare fastify + invoke, same graph, same clients.
  {
    const floor = await spawnServer(["--import", "tsx", `${root}bench/floor-server.ts`]);
    const floorClient = new Client({ apiUrl: floor.url, callerOptions: { maxRetries: 0 } });
    const floorWait = async () => {
      const t = await floorClient.threads.create();
      await floorClient.runs.wait(t.thread_id, "two", { input: { messages: ["x"] } });
    };
    for (let i = 0; i < WARM_UP; i++) await floorWait();
    const floorSeq = await timeMany(N_SEQ, 1, floorWait);
    const floorLean = await lean(floor.url, ["create-wait", N_SEQ, 1, WARM_UP]);
    rows.push([
      "floor (bare fastify + invoke), SDK client, sequential",
      `${rate(floorSeq)}, ${ratio(floorSeq.perSecond, localSeq.perSecond)} of in-process`,
    ]);
    rows.push([
      "floor (bare fastify + invoke), lean client, sequential",
      `${leanRate(floorLean)}, ${ratio(floorLean.perSecond, localSeq.perSecond)} of in-process`,
    ]);
    await floor.stop();
  }

  // GET state of a thread with a finished run.
  const stateThread = await client.threads.create();
  await client.runs.wait(stateThread.thread_id, "two", { input: { messages: ["x"] } });
  const stateUrl = `${url}/threads/${stateThread.thread_id}/state`;
  for (let i = 0; i < 100; i++) await (await fetch(stateUrl)).arrayBuffer();
  const getState = await timeMany(1000, 1, async () => {
    await (await fetch(stateUrl)).arrayBuffer();
  });
  rows.push(["GET /threads/{id}/state, fetch", `p50 ${fmt(pct(getState.latencies, 50))}, p99 ${fmt(pct(getState.latencies, 99))}`]);
  const leanState = await lean(url, ["latency", 1000, 200, "GET", `/threads/${stateThread.thread_id}/state`]);
  rows.push(["GET /threads/{id}/state, lean client", `p50 ${fmt(leanState.latencies.p50)}, p99 ${fmt(leanState.latencies.p99)}`]);

  // Metadata search on a server holding exactly 1,000 threads (its own process).
  {
    const searchServer = await startServe();
    const searchClient = new Client({ apiUrl: searchServer.url, callerOptions: { maxRetries: 0 } });
    for (let i = 0; i < 1000; i++) await searchClient.threads.create({ metadata: { bench: "search", group: i % 10 } });
    const searchBody = JSON.stringify({ metadata: { bench: "search", group: 3 }, limit: 10 });
    const search = () =>
      fetch(`${searchServer.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: searchBody }).then((r) =>
        r.arrayBuffer(),
      );
    for (let i = 0; i < 200; i++) await search();
    const searchTimes = await timeMany(3000, 1, async () => {
      await search();
    });
    rows.push([
      "POST /threads/search (metadata filter, 1,000 threads), fetch",
      `p50 ${fmt(pct(searchTimes.latencies, 50))}, p95 ${fmt(pct(searchTimes.latencies, 95))}, p99 ${fmt(pct(searchTimes.latencies, 99))}`,
    ]);
    const leanSearch = await lean(searchServer.url, ["latency", 3000, 500, "POST", "/threads/search", searchBody]);
    rows.push([
      "POST /threads/search (metadata filter, 1,000 threads), lean client",
      `p50 ${fmt(leanSearch.latencies.p50)}, p95 ${fmt(leanSearch.latencies.p95)}, p99 ${fmt(leanSearch.latencies.p99)}`,
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
