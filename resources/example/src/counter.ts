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
  /** Waits this long in each node, so a run can be watched moving through the graph. */
  delay_ms: Annotation<number>,
});

const configured = (config: LangGraphRunnableConfig) => config.configurable as { label?: string; factor?: number; delay_ms?: number } | undefined;
async function pause(config: LangGraphRunnableConfig): Promise<void> {
  const ms = Math.min(configured(config)?.delay_ms ?? 0, 10_000);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

export const graph = new StateGraph(CounterState, CounterConfig)
  .addNode("increment", async (s: typeof CounterState.State, config: LangGraphRunnableConfig) => {
    await pause(config);
    const by = s.by * (configured(config)?.factor ?? 1);
    config.writer?.({ kind: "tick", by });
    return { count: by, log: [`+${by}`] };
  })
  .addNode("report", async (s: typeof CounterState.State, config: LangGraphRunnableConfig) => {
    await pause(config);
    const label = configured(config)?.label;
    return { log: [`${label ? `${label}: ` : ""}count is ${s.count}`] };
  })
  .addEdge("__start__", "increment")
  .addEdge("increment", "report")
  .addEdge("report", "__end__")
  .compile();
