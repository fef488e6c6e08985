// The Postgres benchmark's graph: two trivial nodes, so the numbers measure
// persistence and serving, not the graph. The server (via langgraph.json)
// and the in-process baseline build it from the same code.
import { Annotation, StateGraph, START, END } from "@langchain/langgraph";

const State = Annotation.Root({
  messages: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});

export const twoNodes = () =>
  new StateGraph(State)
    .addNode("first", () => ({ messages: ["first"] }))
    .addNode("second", () => ({ messages: ["second"] }))
    .addEdge(START, "first")
    .addEdge("first", "second")
    .addEdge("second", END);

export const two = twoNodes().compile();
