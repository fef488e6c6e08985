// The "counter" graph: the smallest thing that writes checkpoints. Each run
// adds `by` (default 1) to `count` and appends to a log; good for checking
// durability without an interrupt in the way.
import { Annotation, type LangGraphRunnableConfig, StateGraph } from "@langchain/langgraph";

const CounterState = Annotation.Root({
  count: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  by: Annotation<number>({ reducer: (_a, b) => b, default: () => 1 }),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

export const graph = new StateGraph(CounterState)
  .addNode("increment", (s: typeof CounterState.State, config: LangGraphRunnableConfig) => {
    config.writer?.({ kind: "tick", by: s.by });
    return { count: s.by, log: [`+${s.by}`] };
  })
  .addNode("report", (s: typeof CounterState.State) => ({ log: [`count is ${s.count}`] }))
  .addEdge("__start__", "increment")
  .addEdge("increment", "report")
  .addEdge("report", "__end__")
  .compile();
