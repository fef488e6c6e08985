// The assistant's graph (GET /assistants/<id>/graph?xray) laid out with
// dagre and drawn with React Flow; the thread's next nodes are highlighted.
// Subgraph nodes from xray ("research:gather") are grouped by their prefix.
import dagre from "@dagrejs/dagre";
import { useQuery } from "@tanstack/react-query";
import { Background, Controls, type Edge, Handle, MarkerType, type Node, type NodeProps, Position, ReactFlow } from "@xyflow/react";
import { useMemo } from "react";
import "@xyflow/react/dist/style.css";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";

const W = 150;
const H = 38;

interface RawGraph {
  nodes: Array<{ id: string | number; name?: string; data?: unknown }>;
  edges: Array<{ source: string; target: string; conditional?: boolean; data?: string }>;
}

function nodeLabel(n: RawGraph["nodes"][number]): string {
  const id = String(n.id);
  if (id === "__start__") return "START";
  if (id === "__end__") return "END";
  return n.name && !id.includes(":") ? n.name : id;
}

type GraphNode = Node<{ label: string }, "step">;

/** A node with the usual top/bottom handles plus right-side ones for edges that loop back up. */
function StepNode({ data }: NodeProps<GraphNode>) {
  return (
    <>
      <Handle type="target" position={Position.Top} />
      <Handle type="target" position={Position.Right} id="loop-in" style={{ top: "70%" }} />
      {data.label}
      <Handle type="source" position={Position.Bottom} />
      <Handle type="source" position={Position.Right} id="loop-out" style={{ top: "30%" }} />
    </>
  );
}

const nodeTypes = { step: StepNode };

export function layoutGraph(raw: RawGraph, highlight: string[]): { nodes: Node[]; edges: Edge[] } {
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
    const isNext = hot.has(id) || hot.has(id.split(":")[0]!);
    return {
      id,
      type: "step",
      position: { x: (p?.x ?? 0) - W / 2, y: (p?.y ?? 0) - H / 2 },
      data: { label: nodeLabel(n) },
      className: `gnode${terminal ? " terminal" : ""}${isNext ? " next" : ""}${id.includes(":") ? " sub" : ""}`,
      draggable: false,
      connectable: false,
      ariaLabel: `${nodeLabel(n)}${isNext ? " (next)" : ""}`,
    };
  });
  const edges: Edge[] = raw.edges.map((e, i) => {
    // An edge to a node drawn above its source (a loop, e.g. approve -> write) leaves and enters on
    // the right, so it is not hidden behind the straight edges between them.
    const loop = (g.node(e.target)?.y ?? 0) < (g.node(e.source)?.y ?? 0);
    return {
      id: `${e.source}->${e.target}-${i}`,
      source: e.source,
      target: e.target,
      sourceHandle: loop ? "loop-out" : undefined,
      targetHandle: loop ? "loop-in" : undefined,
      animated: hot.has(e.target),
      type: loop ? "smoothstep" : "default",
      pathOptions: loop ? { offset: 28, borderRadius: 10 } : undefined,
      className: e.conditional ? "conditional" : undefined,
      label: e.data,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      style: e.conditional ? { strokeDasharray: "5 4" } : undefined,
    };
  });
  return { nodes, edges };
}

export function GraphView({ assistantId, highlight }: { assistantId: string; highlight: string[] }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const graph = useQuery({
    queryKey: keys.graph(assistantId),
    queryFn: () => client!.assistants.getGraph(assistantId, { xray: true }) as Promise<RawGraph>,
    enabled: !!client && !!assistantId,
    staleTime: Infinity,
  });
  // Keyed by the joined names: callers pass a fresh array on every render.
  const hot = highlight.join(",");
  const flow = useMemo(() => (graph.data ? layoutGraph(graph.data, hot ? hot.split(",") : []) : null), [graph.data, hot]);

  if (graph.error) return <p role="alert" className="error-text">Graph: {errorMessage(graph.error)}</p>;
  if (!flow) return <p className="muted loading">Loading graph…</p>;
  return (
    <div className="graph" role="figure" aria-label="Graph view">
      <ReactFlow
        nodes={flow.nodes}
        edges={flow.edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        colorMode="dark"
        minZoom={0.3}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
      {highlight.length > 0 && (
        <div className="graph-legend">
          next: {highlight.map((h) => <span key={h} className="chip next">{h}</span>)}
        </div>
      )}
    </div>
  );
}
