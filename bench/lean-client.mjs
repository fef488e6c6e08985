// A minimal HTTP client for the benchmarks: node:http with one keep-alive
// socket, no SDK, no fetch, plain JavaScript (no TypeScript loader), run in
// its own process. It isolates what the server costs from what a client
// costs: the SDK's fetch allocates enough that its own garbage collection
// pauses (3-7 ms, measured) dominate a sub-millisecond request's tail.
//   node bench/lean-client.mjs URL create-wait N CONCURRENCY WARMUP
//   node bench/lean-client.mjs URL latency N WARMUP METHOD PATH [BODY]
// Prints one JSON line: { perSecond, latencies: { p50, p95, p99 } } (ms).
import http from "node:http";

const [base, mode, ...args] = process.argv.slice(2);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers = data === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(data) };
    const req = http.request({ host: url.hostname, port: url.port, path, method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text}`));
        else resolve(text);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(data);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timeMany(n, concurrency, op) {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const s = performance.now();
        await op();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: n / seconds, latencies: { p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99) } };
}

async function createWait() {
  const thread = JSON.parse(await request("POST", "/threads", {}));
  const values = JSON.parse(await request("POST", `/threads/${thread.thread_id}/runs/wait`, { assistant_id: "two", input: { messages: ["x"] } }));
  if (!Array.isArray(values?.messages) || values.messages.length !== 3) throw new Error(`unexpected run result: ${JSON.stringify(values)}`);
}

let result;
if (mode === "create-wait") {
  const [n, concurrency, warmUp] = args.map(Number);
  for (let i = 0; i < warmUp; i++) await createWait();
  result = await timeMany(n, concurrency, createWait);
} else if (mode === "latency") {
  const [n, warmUp, method, path, body] = args;
  const op = () => request(method, path, body);
  for (let i = 0; i < Number(warmUp); i++) await op();
  result = await timeMany(Number(n), 1, op);
} else {
  throw new Error(`unknown mode ${mode}`);
}
agent.destroy();
console.log(JSON.stringify(result));
