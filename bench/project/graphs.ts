// The benchmark's graphs: a trivial two-node graph and one that streams 100
// custom events. Shared by the server (via langgraph.json) and the in-process
// baseline, so both run the same code.
import { Annotation, StateGraph, START, END } from "@langchain/langgraph";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

export const State = Annotation.Root({
  messages: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  blob: Annotation<string | undefined>(),
});

export const twoNodeBuilder = () =>
  new StateGraph(State)
    .addNode("first", () => ({ messages: ["first"] }))
    .addNode("second", () => ({ messages: ["second"] }))
    .addEdge(START, "first")
    .addEdge("first", "second")
    .addEdge("second", END);

export const two = twoNodeBuilder().compile();

export const custom = new StateGraph(State)
  .addNode("emit", (_s, config: LangGraphRunnableConfig) => {
    for (let i = 0; i < 100; i++) config.writer?.({ i });
    return { messages: ["done"] };
  })
  .addEdge(START, "emit")
  .addEdge("emit", END)
  .compile();
