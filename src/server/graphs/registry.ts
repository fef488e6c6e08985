// The graph registry: turns every registered entry (compiled graph,
// uncompiled StateGraph, builder, or manifest factory) into a compiled graph
// wired to skeino's checkpointer and store, and owns the system assistants.
//
// Graphs may come from another copy (and version) of @langchain/langgraph
// than skeino's own: the user's project has its own node_modules. So we never
// use instanceof on them; we only call their public methods.
import type { BaseCheckpointSaver, BaseStore } from "@langchain/langgraph-checkpoint";
import { uuid5 } from "@langchain/langgraph-checkpoint";
import type { Pregel } from "@langchain/langgraph/pregel";
import type { RunnableConfig } from "@langchain/core/runnables";
import { forgetStaticSchemas, type GraphSource } from "./runtime-schema.ts";

// The graph's state, input, config and stream types are the user's: unknown to us.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CompiledGraph = Pregel<any, any, any, any, any, any, any, any, any, any, any>;

/** Compiled graphs already wired by a skeino app in this process, with its saver. */
const wiredBy = new WeakMap<object, BaseCheckpointSaver>();

/**
 * A graph object of its own sharing the graph's definition. A real instance
 * (withConfig constructs one), not an Object.create view: methods that use
 * private fields (streamEvents v3) throw "Receiver must be an instance" on a view.
 */
function viewOf(graph: CompiledGraph): CompiledGraph {
  if (typeof graph.withConfig === "function") {
    try {
      return graph.withConfig({}) as CompiledGraph;
    } catch {
      // A graph class whose constructor cannot take its own fields: fall back.
    }
  }
  return Object.create(graph) as CompiledGraph;
}

/**
 * Attaches our checkpointer and store. A graph object another app in this
 * process already wired (tests, several servers in one process) gets a view of
 * its own instead, so the apps never write into each other's savers.
 */
function wire(graph: CompiledGraph, checkpointer: BaseCheckpointSaver, store: BaseStore): CompiledGraph {
  const owner = wiredBy.get(graph);
  if (owner && owner !== checkpointer) {
    const view = viewOf(graph);
    view.checkpointer = checkpointer;
    view.store = store;
    return view;
  }
  wiredBy.set(graph, checkpointer);
  graph.checkpointer = checkpointer;
  graph.store = store;
  return graph;
}

/** A StateGraph not yet compiled (from any langgraph copy: matched by shape). */
export interface UncompiledGraph {
  compile(...args: never[]): unknown;
}

type CompileWith = (options?: { checkpointer?: BaseCheckpointSaver; store?: BaseStore }) => CompiledGraph;
const compileGraph = (graph: UncompiledGraph, options?: { checkpointer?: BaseCheckpointSaver; store?: BaseStore }): CompiledGraph =>
  (graph.compile as unknown as CompileWith).call(graph, options);

/** Code registration: called once with the checkpointer skeino resolved. */
export type GraphBuilder = (checkpointer: BaseCheckpointSaver) => Promise<CompiledGraph> | CompiledGraph;

/** Manifest form (as @langchain/langgraph-api): called with the run's config for every run. */
export interface GraphFactory {
  factory: (config: RunnableConfig) => Promise<CompiledGraph | UncompiledGraph> | CompiledGraph | UncompiledGraph;
}

export type GraphEntry = CompiledGraph | UncompiledGraph | GraphBuilder | GraphFactory;

/** The namespace the reference server uses for system assistant ids. */
export const GRAPH_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";
const systemIds = new Map<string, string>();
/** uuid5 of the graph id; memoized because every run resolves it. */
export const systemAssistantId = (graphId: string): string => {
  let id = systemIds.get(graphId);
  if (id === undefined) {
    id = uuid5(graphId, GRAPH_NAMESPACE);
    if (systemIds.size < 10_000) systemIds.set(graphId, id);
  }
  return id;
};

const isCompiled = (value: unknown): value is CompiledGraph =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as CompiledGraph).getState === "function" &&
  typeof (value as CompiledGraph).stream === "function";

const isUncompiled = (value: unknown): value is UncompiledGraph =>
  typeof value === "object" && value !== null && typeof (value as UncompiledGraph).compile === "function" && !isCompiled(value);

const isFactory = (value: unknown): value is GraphFactory =>
  typeof value === "object" && value !== null && typeof (value as GraphFactory).factory === "function";

export function describeEntryProblem(value: unknown): string | undefined {
  if (isCompiled(value) || isUncompiled(value) || isFactory(value) || typeof value === "function") return undefined;
  return `expected a compiled graph, a StateGraph, or a function returning one; got ${value === null ? "null" : typeof value}`;
}

type Resolved = { kind: "static"; graph: CompiledGraph } | { kind: "factory"; factory: GraphFactory["factory"] };

/** Where a manifest graph came from, for static schema extraction. */
export const GRAPH_SOURCE = Symbol.for("skeino.graphSource");
type WithSource = { [GRAPH_SOURCE]?: GraphSource };

export class GraphRegistry {
  private resolved = new Map<string, Resolved>();

  constructor(
    private entries: Record<string, GraphEntry>,
    private readonly checkpointer: BaseCheckpointSaver,
    private readonly store: BaseStore,
  ) {}

  async init(): Promise<void> {
    for (const [graphId, entry] of Object.entries(this.entries)) {
      const problem = describeEntryProblem(entry);
      if (problem) throw new Error(`Graph "${graphId}": ${problem}`);
      if (isFactory(entry)) {
        this.resolved.set(graphId, { kind: "factory", factory: entry.factory });
      } else if (typeof entry === "function") {
        const built = await (entry as GraphBuilder)(this.checkpointer);
        const graph = isUncompiled(built) ? compileGraph(built, { checkpointer: this.checkpointer, store: this.store }) : built;
        if (!isCompiled(graph)) throw new Error(`Graph "${graphId}": the builder did not return a compiled graph`);
        // A builder may bring its own checkpointer; keep it. Otherwise use ours.
        graph.checkpointer ??= this.checkpointer;
        graph.store ??= this.store;
        this.resolved.set(graphId, { kind: "static", graph });
      } else {
        const graph = isUncompiled(entry) ? compileGraph(entry, { checkpointer: this.checkpointer, store: this.store }) : entry;
        this.resolved.set(graphId, { kind: "static", graph: wire(graph, this.checkpointer, this.store) });
      }
    }
  }

  /**
   * Swaps every graph for a new set (`skeino dev` after an edit). The new set
   * is built completely first, so a failing one changes nothing; runs already
   * holding a graph finish on it, the next lookup gets the new one.
   */
  async replace(entries: Record<string, GraphEntry>): Promise<{ added: string[]; removed: string[] }> {
    const next = new GraphRegistry(entries, this.checkpointer, this.store);
    await next.init();
    const before = new Set(this.resolved.keys());
    const added = next.ids().filter((id) => !before.has(id));
    const removed = [...before].filter((id) => !next.resolved.has(id));
    this.entries = entries;
    this.resolved = next.resolved;
    forgetStaticSchemas();
    return { added, removed };
  }

  source(graphId: string): GraphSource | undefined {
    const entry = this.entries[graphId] as unknown as WithSource | undefined;
    return entry?.[GRAPH_SOURCE];
  }

  /** The compiled graph, when it is one object (not made per run by a factory, which this never calls). */
  staticGraph(graphId: string): CompiledGraph | undefined {
    const entry = this.resolved.get(graphId);
    return entry?.kind === "static" ? entry.graph : undefined;
  }

  ids(): string[] {
    return [...this.resolved.keys()];
  }

  has(graphId: string): boolean {
    return this.resolved.has(graphId);
  }

  /**
   * The graph to run or inspect. `temporary` (stateless runs) gets a view of
   * the graph without a checkpointer, leaving the shared instance untouched.
   */
  async get(graphId: string, config: RunnableConfig = { configurable: {} }, options: { temporary?: boolean } = {}): Promise<CompiledGraph> {
    const entry = this.resolved.get(graphId);
    if (!entry) throw new Error(`Graph "${graphId}" not found`);
    let graph: CompiledGraph;
    if (entry.kind === "factory") {
      const made = await entry.factory(config);
      graph = isUncompiled(made) ? compileGraph(made) : made;
      graph.checkpointer = this.checkpointer;
      graph.store = this.store;
    } else {
      graph = entry.graph;
    }
    if (options.temporary) {
      // Stateless runs never stream through the protocol: a cheap view will do.
      const view = Object.create(graph) as CompiledGraph;
      view.checkpointer = undefined;
      return view;
    }
    return graph;
  }
}
