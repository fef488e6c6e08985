// The floor for bench/server.ts: the least any HTTP server can do for
// create-thread + runs.wait. Bare fastify, no persistence of threads or runs,
// no queue, no streaming: POST /threads answers a fresh id, POST .../runs/wait
// invokes the same graph with MemorySaver inside the request. What a client
// measures against it is HTTP plus the client plus the graph; skeino's own
// cost is the difference.
//   node --import tsx bench/floor-server.ts   (prints "floor listening on URL")
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import { MemorySaver } from "@langchain/langgraph";
import { twoNodeBuilder } from "./project/graphs.ts";

const graph = twoNodeBuilder().compile({ checkpointer: new MemorySaver() });
const app = Fastify();
app.post("/threads", async () => {
  const now = new Date().toISOString();
  return { thread_id: randomUUID(), created_at: now, updated_at: now, metadata: {}, status: "idle", config: {}, values: null, interrupts: {} };
});
app.post<{ Params: { thread_id: string }; Body: { input?: unknown } }>("/threads/:thread_id/runs/wait", async (request) =>
  graph.invoke((request.body?.input ?? null) as never, { configurable: { thread_id: request.params.thread_id } }),
);
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`floor listening on ${address}`);
const stop = () => void app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
