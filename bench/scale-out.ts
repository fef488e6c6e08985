// Scale-out benchmark: runs/s with 1, 2 and 3 `skeino serve` processes on one
// PostgreSQL database (create-thread + runs.wait on a two-node graph, 12
// concurrent clients spread over the processes), with each process's CPU.
// Prints numbers; not a test.   node --import tsx bench/scale-out.ts [--quick]
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { startTestCluster, withDatabase } from "../test/helpers/postgres.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const quick = process.argv.includes("--quick");
const RUNS = quick ? 150 : 600;
const CLIENTS = 12;

interface Proc {
  child: ChildProcess;
  client: Client;
}

function start(uri: string): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        `${root}bin/skeino.mjs`,
        "serve",
        "--config",
        `${root}bench/project/langgraph.json`,
        "--port",
        "0",
        "--postgres-uri",
        uri,
        "--log-level",
        "error",
      ],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/skeino listening on (\S+)/);
      if (m) resolve({ child, client: new Client({ apiUrl: m[1], callerOptions: { maxRetries: 0 } }) });
    });
    child.once("exit", (code) => reject(new Error(`skeino exited ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf-8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function scenario(adminUri: string, processes: number): Promise<string> {
  const dbName = `bench_scale_${processes}_${Date.now()}`;
  const admin = new pg.Client(adminUri);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const uri = withDatabase(adminUri, dbName);
  const procs: Proc[] = [await start(uri)];
  for (let i = 1; i < processes; i++) procs.push(await start(uri));
  try {
    for (const p of procs) {
      for (let i = 0; i < 10; i++) {
        const t = await p.client.threads.create();
        await p.client.runs.wait(t.thread_id, "two", { input: { messages: ["warm"] } });
      }
    }
    const cpuBefore = procs.map((p) => cpuSeconds(p.child.pid as number));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const client = procs[c % procs.length].client;
        while (next < RUNS) {
          next += 1;
          const t = await client.threads.create();
          await client.runs.wait(t.thread_id, "two", { input: { messages: ["x"] } });
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = procs.map((p, i) => ((cpuSeconds(p.child.pid as number) - (cpuBefore[i] as number)) / seconds) * 100);
    return `${processes} process${processes > 1 ? "es" : ""}: ${(RUNS / seconds).toFixed(1)} runs/s; CPU per process ${cpu.map((c) => `${c.toFixed(0)}%`).join(", ")}`;
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => new Promise((r) => p.child.once("exit", r))));
  }
}

const cluster = await startTestCluster();
try {
  console.log(
    `skeino scale-out benchmark: ${RUNS} runs (create-thread + runs.wait), ${CLIENTS} clients, PostgreSQL 18 (embedded, fsync off), ${new Date().toISOString()}`,
  );
  for (const n of [1, 2, 3]) console.log(await scenario(cluster.adminUri, n));
} finally {
  await cluster.stop();
}
