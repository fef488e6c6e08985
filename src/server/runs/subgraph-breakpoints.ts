// Breakpoints on subgraph nodes. LangGraph applies a run's interruptBefore /
// interruptAfter to the graph the run starts only: Pregel._defaults takes them
// out of the config before it reaches the nodes, and a subgraph reads its own
// compile-time lists. So a run that names "parent:child" gets a graph of its
// own whose subgraph node carries a copy of the subgraph compiled with those
// lists, which is what LangGraph does for compile-time subgraph breakpoints:
// the subgraph raises the interrupt, saves its checkpoint in its namespace,
// and resumes from it when the parent's task runs again. The shared graph is
// never changed, so concurrent runs of it see nothing of this.
//
// Names follow the xray drawing (GET /assistants/:id/graph?xray): the
// subgraph node, ":", the inner node; deeper levels chain ("a:b:c"). "*" at
// any level pauses at every node of that level ("parent:*"), and a "*" entry
// in a list means "*" for the top level too.
import type { CompiledGraph } from "../graphs/registry.ts";
import { HttpError } from "../errors.ts";

export type NodeList = "*" | string[];

/** The breakpoints of one graph level and those of each subgraph node below it. */
export interface BreakpointTree {
  before?: NodeList;
  after?: NodeList;
  children: Map<string, BreakpointTree>;
}

function addTo(list: NodeList | undefined, name: string): NodeList {
  if (list === "*" || name === "*") return "*";
  return list?.includes(name) ? list : [...(list ?? []), name];
}

/** Splits run-level lists into a tree by ":"-separated path. */
export function breakpointTree(before: NodeList | undefined, after: NodeList | undefined): BreakpointTree {
  const root: BreakpointTree = { children: new Map() };
  const place = (list: NodeList | undefined, when: "before" | "after") => {
    if (list === undefined) return;
    if (list === "*") {
      root[when] = "*";
      return;
    }
    for (const name of list) {
      const path = name.split(":");
      let level = root;
      for (const part of path.slice(0, -1)) {
        let child = level.children.get(part);
        if (!child) level.children.set(part, (child = { children: new Map() }));
        level = child;
      }
      level[when] = addTo(level[when], path[path.length - 1]!);
    }
    // An empty list stays an explicit "none" at the top, as the API was given.
    if (list.length === 0) root[when] ??= [];
  };
  place(before, "before");
  place(after, "after");
  return root;
}

interface NodeLike {
  bound?: unknown;
  subgraphs?: unknown[];
}

interface GraphLike {
  lg_is_pregel?: boolean;
  nodes: Record<string, NodeLike>;
  interruptBefore?: NodeList;
  interruptAfter?: NodeList;
  withConfig?: (config: Record<string, never>) => unknown;
}

const isGraph = (x: unknown): x is GraphLike =>
  typeof x === "object" && x !== null && (x as GraphLike).lg_is_pregel === true && typeof (x as GraphLike).nodes === "object";

/** An instance of the graph's own class sharing its definition (withConfig builds one, as registry.viewOf). */
function copyGraph<G extends GraphLike>(graph: G): G {
  if (typeof graph.withConfig === "function") {
    try {
      return graph.withConfig({}) as G;
    } catch {
      // A graph class whose constructor cannot take its own fields: fall back to a view.
    }
  }
  return Object.create(graph) as G;
}

function unknownSubgraph(path: string, names: string[]): HttpError {
  const known = names.length ? `its subgraph nodes are ${names.map((n) => `'${n}'`).join(", ")}` : "it has no subgraph nodes";
  return new HttpError(
    422,
    `A breakpoint names a node inside '${path}', but '${path}' is not a subgraph node added to its graph (${known})`,
    "UNKNOWN_SUBGRAPH",
  );
}

/** The subgraph a node runs when it is one itself (addNode(name, compiledGraph)); none when its function calls it. */
function directSubgraph(node: NodeLike): GraphLike | undefined {
  return isGraph(node.bound) ? node.bound : undefined;
}

/**
 * LangGraph ignores a name that is no node, as the API does at the top level;
 * inside a subgraph the name came from a path the user wrote, so say so.
 */
function checkNames(graph: GraphLike, list: NodeList | undefined, path: string): void {
  if (list === undefined || list === "*") return;
  const names = Object.keys(graph.nodes).filter((n) => n !== "__start__");
  for (const name of list) {
    if (graph.nodes[name]) continue;
    throw new HttpError(
      422,
      `A breakpoint names '${path}:${name}', but the subgraph '${path}' has no node '${name}' (its nodes are ${names.map((n) => `'${n}'`).join(", ")})`,
      "UNKNOWN_NODE",
    );
  }
}

function applyLevel<G extends GraphLike>(graph: G, tree: BreakpointTree, prefix: string, top: boolean): G {
  const copy = copyGraph(graph);
  // The top level takes its lists as run options (as before); a subgraph has no other way.
  if (!top) {
    checkNames(graph, tree.before, prefix);
    checkNames(graph, tree.after, prefix);
    if (tree.before !== undefined) copy.interruptBefore = tree.before;
    if (tree.after !== undefined) copy.interruptAfter = tree.after;
  }
  if (tree.children.size === 0) return copy;
  const nodes = { ...graph.nodes };
  const subgraphNodes = Object.keys(graph.nodes).filter((n) => directSubgraph(graph.nodes[n]!));
  for (const [name, childTree] of tree.children) {
    const path = prefix ? `${prefix}:${name}` : name;
    const node = graph.nodes[name];
    const sub = node && directSubgraph(node);
    if (!node || !sub) throw unknownSubgraph(path, subgraphNodes);
    const subCopy = applyLevel(sub, childTree, path, false);
    // A view of the node: same channels, triggers and writers, another bound runnable.
    const nodeCopy = Object.create(node) as NodeLike;
    nodeCopy.bound = subCopy;
    nodeCopy.subgraphs = [subCopy];
    nodes[name] = nodeCopy;
  }
  copy.nodes = nodes;
  return copy;
}

/**
 * The graph a run executes and the lists it passes as run options: the graph
 * itself when every breakpoint names a top-level node; otherwise a per-run
 * copy whose subgraph nodes pause where asked.
 */
export function withSubgraphBreakpoints(
  graph: CompiledGraph,
  before: NodeList | undefined,
  after: NodeList | undefined,
): { graph: CompiledGraph; interruptBefore?: NodeList; interruptAfter?: NodeList } {
  const tree = breakpointTree(before, after);
  if (tree.children.size === 0) return { graph, interruptBefore: before, interruptAfter: after };
  const copy = applyLevel(graph as unknown as GraphLike, tree, "", true) as unknown as CompiledGraph;
  return { graph: copy, interruptBefore: tree.before, interruptAfter: tree.after };
}
