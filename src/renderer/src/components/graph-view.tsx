// The assistant's graph (GET /assistants/<id>/graph?xray) laid out with
// dagre and drawn with React Flow; the thread's next nodes are highlighted.
// Subgraph nodes from xray ("research:gather") are grouped by their prefix.
// Optionally: breakpoint toggles on the nodes, and a live run's running node
// and visited path.
import dagre from "@dagrejs/dagre";
import { Background, Controls, type Edge, Handle, MarkerType, type Node, type NodeProps, Position, ReactFlow } from "@xyflow/react";
import { createContext, useContext, useMemo } from "react";
import "@xyflow/react/dist/style.css";
import { type RawGraph, useAssistantGraph } from "../lib/assistant-graph.ts";
import { type Breakpoints, type BreakpointWhen, useBreakpoints } from "../lib/breakpoints.ts";
import { errorMessage } from "../lib/format.ts";
import type { LiveRun } from "../lib/live-run.ts";
import { useTheme } from "../lib/theme.ts";

const W = 150;
const H = 38;

/** Breakpoint state for the nodes drawn; null when the view shows no toggles. */
const BreakpointContext = createContext<{ bp: Breakpoints; toggle: (node: string, when: BreakpointWhen) => void } | null>(null);

function nodeLabel(n: RawGraph["nodes"][number]): string {
  const id = String(n.id);
  if (id === "__start__") return "START";
  if (id === "__end__") return "END";
  return n.name && !id.includes(":") ? n.name : id;
}

type GraphNode = Node<{ label: string }, "step">;

/** A node with the usual top/bottom handles plus right-side ones for edges that loop back up. */
function StepNode({ id, data }: NodeProps<GraphNode>) {
  const bps = useContext(BreakpointContext);
  // Every node but START and END takes a breakpoint, a subgraph's inner ones too ("parent:child").
  const own = !/(^|:)__(start|end)__$/.test(id);
  return (
    <>
      <Handle type="target" position={Position.Top} />
      <Handle type="target" position={Position.Right} id="loop-in" style={{ top: "70%" }} />
      {bps && own && (
        <>
          <BreakpointToggle node={id} when="before" on={bps.bp.before.includes(id)} toggle={bps.toggle} />
          <BreakpointToggle node={id} when="after" on={bps.bp.after.includes(id)} toggle={bps.toggle} />
        </>
      )}
      {data.label}
      <Handle type="source" position={Position.Bottom} />
      <Handle type="source" position={Position.Right} id="loop-out" style={{ top: "30%" }} />
    </>
  );
}

function BreakpointToggle({
  node,
  when,
  on,
  toggle,
}: {
  node: string;
  when: BreakpointWhen;
  on: boolean;
  toggle: (node: string, when: BreakpointWhen) => void;
}) {
  return (
    <button
      type="button"
      className={`bp-toggle bp-${when}${on ? " on" : ""} nodrag nopan`}
      aria-label={`Pause ${when} ${node}`}
      aria-pressed={on}
      title={`Pause ${when} ${node}`}
      onClick={(e) => {
        e.stopPropagation();
        toggle(node, when);
      }}
    />
  );
}

const nodeTypes = { step: StepNode };

const top = (id: string) => id.split(":")[0]!;

/** Named exactly, or through its subgraph's parent when no inner node of that subgraph is named. */
function marked(names: string[], id: string): boolean {
  if (names.includes(id)) return true;
  return id.includes(":") && names.includes(top(id)) && !names.some((n) => n.startsWith(`${top(id)}:`));
}

export function layoutGraph(raw: RawGraph, highlight: string[], live?: LiveRun | null, bp?: Breakpoints | null): { nodes: Node[]; edges: Edge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 46 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of raw.nodes) g.setNode(String(n.id), { width: W, height: H });
  for (const e of raw.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const hot = new Set(highlight);
  const nodes: GraphNode[] = raw.nodes.map((n) => {
    const id = String(n.id);
    const p = g.node(id);
    const terminal = id === "__start__" || id === "__end__";
    const isNext = marked(highlight, id);
    const running = !!live && marked(live.running, id);
    const visited = !!live && marked(live.visited, id);
    const marks = [
      running ? " running" : visited ? " visited" : "",
      bp?.before.includes(id) ? " bp-before-on" : "",
      bp?.after.includes(id) ? " bp-after-on" : "",
    ].join("");
    return {
      id,
      type: "step",
      position: { x: (p?.x ?? 0) - W / 2, y: (p?.y ?? 0) - H / 2 },
      // The nodes are rebuilt on every live event. A node without `measured`
      // makes React Flow drop its size and handle positions and hide it until
      // it is measured again; with events arriving faster than the browser
      // lays out (a busy machine), the nodes stayed hidden and no edge was
      // drawn. Their size is known: the handles measured once are kept.
      measured: { width: W, height: H },
      data: { label: nodeLabel(n) },
      className: `gnode${terminal ? " terminal" : ""}${isNext ? " next" : ""}${id.includes(":") ? " sub" : ""}${marks}`,
      draggable: false,
      connectable: false,
      ariaLabel: `${nodeLabel(n)}${isNext ? " (next)" : ""}${running ? " (running)" : visited ? " (visited)" : ""}`,
    };
  });
  const edges: Edge[] = raw.edges.map((e, i) => {
    // An edge to a node drawn above its source (a loop, e.g. approve -> write) leaves and enters on
    // the right, so it is not hidden behind the straight edges between them.
    const loop = (g.node(e.target)?.y ?? 0) < (g.node(e.source)?.y ?? 0);
    // A replay names a subgraph by its parent ("research"); xray draws its inner nodes ("research:gather").
    const taken = !!live && (live.edges.includes(`${e.source}->${e.target}`) || live.edges.includes(`${top(e.source)}->${top(e.target)}`));
    return {
      id: `${e.source}->${e.target}-${i}`,
      source: e.source,
      target: e.target,
      sourceHandle: loop ? "loop-out" : undefined,
      targetHandle: loop ? "loop-in" : undefined,
      animated: hot.has(e.target) || (!!live && live.running.includes(e.target) && taken),
      type: loop ? "smoothstep" : "default",
      pathOptions: loop ? { offset: 28, borderRadius: 10 } : undefined,
      className: [e.conditional ? "conditional" : "", taken ? "visited" : ""].join(" ").trim() || undefined,
      ariaLabel: `Edge ${e.source} to ${e.target}${taken ? " (visited)" : ""}`,
      label: e.data,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      style: e.conditional ? { strokeDasharray: "5 4" } : undefined,
    };
  });
  return { nodes, edges };
}

export function GraphView({
  assistantId,
  highlight,
  breakpointsFor,
  live,
}: {
  assistantId: string;
  highlight: string[];
  /** The graph id whose breakpoints the nodes toggle; none: no toggles. */
  breakpointsFor?: string;
  live?: LiveRun | null;
}) {
  const graph = useAssistantGraph(assistantId);
  const { theme } = useTheme();
  const [bp, toggle] = useBreakpoints(breakpointsFor ?? "");
  // Keyed by the joined names: callers pass a fresh array on every render.
  const hot = highlight.join(",");
  const shownBp = breakpointsFor ? bp : null;
  const flow = useMemo(
    () => (graph.data ? layoutGraph(graph.data, hot ? hot.split(",") : [], live, shownBp) : null),
    [graph.data, hot, live, shownBp],
  );
  const bpContext = useMemo(() => (breakpointsFor ? { bp, toggle } : null), [breakpointsFor, bp, toggle]);

  if (graph.error)
    return (
      <p role="alert" className="error-text">
        Graph: {errorMessage(graph.error)}
      </p>
    );
  if (!flow) return <p className="muted loading">Loading graph…</p>;
  return (
    <div className="graph" role="figure" aria-label="Graph view">
      <BreakpointContext.Provider value={bpContext}>
        <ReactFlow
          nodes={flow.nodes}
          edges={flow.edges}
          nodeTypes={nodeTypes}
          fitView
          // A two-node graph fitted to the pane was drawn at three times its size: cap the zoom.
          fitViewOptions={{ padding: 0.15, maxZoom: 1.25 }}
          nodesDraggable={false}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          colorMode={theme}
          minZoom={0.3}
        >
          <Background gap={18} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </BreakpointContext.Provider>
      {(highlight.length > 0 || live) && (
        <div className="graph-legend">
          {live && live.running.length > 0 && (
            <span aria-label="Running node">
              running:{" "}
              {live.running.map((h) => (
                <span key={h} className="chip running">
                  {h}
                </span>
              ))}
            </span>
          )}
          {highlight.length > 0 && (
            <>
              next:{" "}
              {highlight.map((h) => (
                <span key={h} className="chip next">
                  {h}
                </span>
              ))}
            </>
          )}
          {live && live.visited.length > 0 && (
            <div className="small">
              path: <span aria-label="Run path">{live.visited.join(" → ")}</span>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
