// agent.getTree: the graph, subgraphs and their status as one run's events
// show them (a namespace seen is a node; its lifecycle events give its status).
import type { AgentStatus, AgentTreeNode } from "@langchain/protocol";
import type { ServerContext } from "../http/context.ts";
import type { RunStatus, ThreadEvent } from "../persistence/types.ts";
import { ProtocolError } from "./errors.ts";

type Status = AgentStatus;

const RUN_STATUS: Record<RunStatus, Status> = {
  pending: "started",
  running: "running",
  success: "completed",
  error: "failed",
  timeout: "failed",
  interrupted: "interrupted",
};

const LIFECYCLE_STATUS: Record<string, Status> = {
  started: "running",
  running: "running",
  completed: "completed",
  failed: "failed",
  interrupted: "interrupted",
};

/** No run to show (also the answer for a thread the caller may not see). */
export const noSuchRun = (threadId: string, runId: string | undefined) =>
  new ProtocolError("no_such_run", runId ? `Run ${runId} not found on thread ${threadId}.` : `Thread ${threadId} has no run.`);

/** Events of one run, read from the thread's log. */
async function runEvents(ctx: Pick<ServerContext, "persistence">, threadId: string, runId: string): Promise<ThreadEvent[]> {
  const log = ctx.persistence.threadEvents;
  const { runStart } = await log.position(threadId, runId);
  if (runStart === undefined) return [];
  const out: ThreadEvent[] = [];
  for (let after = runStart - 1; ;) {
    const batch = await log.read(threadId, after, 1000);
    for (const e of batch) if (e.run_id === runId) out.push(e);
    if (batch.length < 1000) return out;
    after = batch[batch.length - 1].seq;
  }
}

export async function buildAgentTree(ctx: Pick<ServerContext, "persistence">, threadId: string, runId?: string): Promise<AgentTreeNode> {
  const store = ctx.persistence.metadata;
  const run = runId ? await store.runs.get(runId, threadId) : (await store.runs.list(threadId, { limit: 1, offset: 0 }))[0];
  if (!run) throw noSuchRun(threadId, runId);
  const root: AgentTreeNode = { namespace: [], status: RUN_STATUS[run.status], graph_name: String(run.kwargs.config.configurable?.graph_id ?? "") };
  const nodes = new Map<string, AgentTreeNode>([["[]", root]]);
  const nodeFor = (namespace: string[]): AgentTreeNode => {
    const key = JSON.stringify(namespace);
    let node = nodes.get(key);
    if (node) return node;
    const last = namespace[namespace.length - 1];
    node = { namespace, status: "running", graph_name: last.split(":")[0] };
    nodes.set(key, node);
    const parent = nodeFor(namespace.slice(0, -1));
    parent.children = [...(parent.children ?? []), node].sort((a, b) => JSON.stringify(a.namespace).localeCompare(JSON.stringify(b.namespace)));
    return node;
  };
  for (const e of await runEvents(ctx, threadId, run.run_id)) {
    if (e.namespace.length === 0) continue;
    const node = nodeFor(e.namespace);
    if (e.method === "lifecycle") {
      const event = (JSON.parse(e.params) as { data?: { event?: string } }).data?.event;
      if (event && LIFECYCLE_STATUS[event]) node.status = LIFECYCLE_STATUS[event];
    }
  }
  return root;
}
