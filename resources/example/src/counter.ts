// The "counter" graph: the smallest thing that writes checkpoints. Each run
// adds `by` (default 1) to `count` and appends to a log; good for checking
// durability without an interrupt in the way.
import { Annotation, type LangGraphRunnableConfig, StateGraph } from "@langchain/langgraph";

const CounterState = Annotation.Root({
  count: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  by: Annotation<number>({ reducer: (_a, b) => b, default: () => 1 }),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

// What an assistant can configure: the Studio renders this as its config form.
const CounterConfig = Annotation.Root({
  /** Written before every report line, e.g. "nightly". */
  label: Annotation<string>,
  /** Multiplies `by` on every increment. */
  factor: Annotation<number>,
});

const configured = (config: LangGraphRunnableConfig) => config.configurable as { label?: string; factor?: number } | undefined;

export const graph = new StateGraph(CounterState, CounterConfig)
  .addNode("increment", (s: typeof CounterState.State, config: LangGraphRunnableConfig) => {
    const by = s.by * (configured(config)?.factor ?? 1);
    config.writer?.({ kind: "tick", by });
    return { count: by, log: [`+${by}`] };
  })
  .addNode("report", (s: typeof CounterState.State, config: LangGraphRunnableConfig) => {
    const label = configured(config)?.label;
    return { log: [`${label ? `${label}: ` : ""}count is ${s.count}`] };
  })
  .addEdge("__start__", "increment")
  .addEdge("increment", "report")
  .addEdge("report", "__end__")
  .compile();
