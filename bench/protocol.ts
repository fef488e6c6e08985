// Streaming protocol benchmark (memory backend, `skeino serve` in its own
// process): a run of 100 custom events streamed through the protocol (SSE as
// the SDK opens it, after run.start; WebSocket with the socket already open)
// beside the classic SSE stream of /threads/{id}/runs/stream. Times are from
// the client's request to the first custom event and to the 100th; events/s
// is 100 over the latter. Prints numbers; not a test.
//   node --import tsx bench/protocol.ts [--quick]
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";

const root = fileURLToPath(new URL("..", import.meta.url));
const quick = process.argv.includes("--quick");
const RUNS = quick ? 20 : 100;
const WARMUP = 10;

function startServe(): Promise<{ url: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`${root}bin/skeino.mjs`, "serve", "--config", `${root}bench/project/langgraph.json`, "--port", "0", "--log-level", "error"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (\S+)/);
      if (m) resolve({ url: m[1], stop: () => new Promise((done) => (child.once("exit", () => done()), child.kill("SIGTERM"))) });
    });
    child.once("exit", (code) => reject(new Error(`skeino serve exited with ${code}`)));
  });
}

interface Sample {
  first: number;
  last: number;
}

/** Reads SSE frames, calling `onData` with each data line; stops when it returns true. */
async function readSse(res: Response, onData: (data: string) => boolean): Promise<void> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) !== -1) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = frame.split("\n").find((l) => l.startsWith("data: "));
      if (data && onData(data.slice(6))) {
        await reader.cancel();
        return;
      }
    }
  }
}

async function classic(url: string): Promise<Sample> {
  const thread = (await (await fetch(`${url}/threads`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as {
    thread_id: string;
  };
  const t0 = performance.now();
  const res = await fetch(`${url}/threads/${thread.thread_id}/runs/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ assistant_id: "custom", input: {}, stream_mode: ["custom"] }),
  });
  let first = 0;
  let count = 0;
  let last = 0;
  // Classic frames: `event: custom` then `data: {"i":n}`; the data line alone tells them apart.
  await readSse(res, (data) => {
    if (!data.startsWith('{"i":')) return false;
    first ||= performance.now() - t0;
    count += 1;
    if (count === 100) last = performance.now() - t0;
    return false;
  });
  if (count !== 100) throw new Error(`classic: expected 100 custom events, got ${count}`);
  return { first, last };
}

const isTerminal = (e: { method: string; params: { namespace: string[]; data: { event?: string } } }) =>
  e.method === "lifecycle" && e.params.namespace.length === 0 && ["completed", "failed", "interrupted"].includes(e.params.data.event ?? "");

async function protocolSse(url: string): Promise<Sample> {
  const threadId = randomUUID();
  const t0 = performance.now();
  const started = (await (
    await fetch(`${url}/threads/${threadId}/commands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: 1, method: "run.start", params: { assistant_id: "custom", input: {} } }),
    })
  ).json()) as { type: string };
  if (started.type !== "success") throw new Error(`run.start: ${JSON.stringify(started)}`);
  // As the SDK does: the event stream opens once run.start has answered.
  const res = await fetch(`${url}/threads/${threadId}/stream/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ channels: ["custom", "lifecycle"] }),
  });
  let first = 0;
  let last = 0;
  let count = 0;
  await readSse(res, (data) => {
    const e = JSON.parse(data);
    if (e.method === "custom") {
      first ||= performance.now() - t0;
      count += 1;
      if (count === 100) last = performance.now() - t0;
    }
    return isTerminal(e);
  });
  if (count !== 100) throw new Error(`protocol SSE: expected 100 custom events, got ${count}`);
  return { first, last };
}

async function protocolWebSocket(url: string): Promise<Sample> {
  const threadId = randomUUID();
  const socket = new WebSocket(`${url.replace("http", "ws")}/threads/${threadId}/stream/events`);
  await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
  const subscribed = new Promise<void>((resolve) => socket.once("message", () => resolve()));
  socket.send(JSON.stringify({ id: 1, method: "subscription.subscribe", params: { channels: ["custom", "lifecycle"] } }));
  await subscribed;
  let first = 0;
  let last = 0;
  let count = 0;
  const t0 = performance.now();
  const done = new Promise<void>((resolve) => {
    socket.on("message", (raw) => {
      const e = JSON.parse(String(raw));
      if (e.type !== "event") return;
      if (e.method === "custom") {
        first ||= performance.now() - t0;
        count += 1;
        if (count === 100) last = performance.now() - t0;
      }
      if (isTerminal(e)) resolve();
    });
  });
  socket.send(JSON.stringify({ id: 2, method: "run.start", params: { assistant_id: "custom", input: {} } }));
  await done;
  socket.close();
  if (count !== 100) throw new Error(`protocol WebSocket: expected 100 custom events, got ${count}`);
  return { first, last };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function measure(name: string, url: string, once: (url: string) => Promise<Sample>): Promise<[string, string]> {
  for (let i = 0; i < WARMUP; i++) await once(url);
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await once(url));
  const first = samples.map((s) => s.first).sort((a, b) => a - b);
  const last = samples.map((s) => s.last).sort((a, b) => a - b);
  const rate = 100 / (pct(last, 50) / 1000);
  return [
    name,
    `first event p50 ${fmt(pct(first, 50))} p99 ${fmt(pct(first, 99))}; 100th event p50 ${fmt(pct(last, 50))} (${Math.round(rate).toLocaleString("en")} events/s)`,
  ];
}

async function main(): Promise<void> {
  const server = await startServe();
  try {
    const rows = [
      await measure("classic SSE (runs/stream, stream_mode custom)", server.url, classic),
      await measure("protocol SSE (run.start, then stream/events)", server.url, protocolSse),
      await measure("protocol WebSocket (socket open, run.start)", server.url, protocolWebSocket),
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(
      `skeino streaming protocol benchmark (memory, ${RUNS} runs of 100 custom events each), node ${process.version}, ${new Date().toISOString()}`,
    );
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  } finally {
    await server.stop();
  }
}

await main();
