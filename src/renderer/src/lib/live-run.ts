// A streamed run as the graph view draws it: which nodes run now, which ran,
// and which edges the run took, from the run's own "tasks" stream events
// (a task starts: it has `input`; it ends: it has `result` or `error`).
// Subgraph tasks arrive on "tasks|parent:<task id>" and are drawn by xray as
// "parent:node".

export interface LiveRun {
  running: string[];
  /** Nodes that started, in order (repeats kept: a loop visits a node twice). */
  visited: string[];
  /** "source->target" for every edge taken. */
  edges: string[];
  /** The node that finished last: the source of the next edge. */
  last: string | null;
}

/** `fromStart`: a run with new input begins at START; a continued run begins where it paused. */
export function startLive(fromStart: boolean): LiveRun {
  return { running: [], visited: [], edges: [], last: fromStart ? "__start__" : null };
}

function nodeId(event: string, name: string): string {
  // "tasks|research:1f0c…|inner:…" -> "research:inner:name" as xray names nested nodes.
  const parents = event
    .split("|")
    .slice(1)
    .map((ns) => ns.split(":")[0]);
  return [...parents, name].join(":");
}

export function applyStreamEvent(live: LiveRun, event: string, data: unknown): LiveRun {
  if (!event.startsWith("tasks") || !data || typeof data !== "object") return live;
  const task = data as { name?: unknown; input?: unknown; result?: unknown; error?: unknown };
  if (typeof task.name !== "string") return live;
  const id = nodeId(event, task.name);
  if ("input" in task) {
    const edges = live.last ? [...live.edges, `${live.last}->${id}`] : live.edges;
    return { ...live, running: [...live.running, id], visited: [...live.visited, id], edges };
  }
  const running = live.running.filter((n) => n !== id);
  // A subgraph's parent task ends after its inner nodes: the edge out starts at the inner node that ran last.
  const last = live.last?.startsWith(`${id}:`) ? live.last : id;
  return { ...live, running, last };
}

/** The run ended with nothing left to run: it took the edge to END. */
export function finishLive(live: LiveRun): LiveRun {
  return { ...live, running: [], edges: live.last ? [...live.edges, `${live.last}->__end__`] : live.edges, last: null };
}
