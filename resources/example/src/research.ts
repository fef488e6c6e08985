// The "research" subgraph: gathers and ranks notes for a topic. Deterministic,
// no model calls, so the example runs offline; it emits custom stream events
// through config.writer so the Studio's live stream has something to show.
import { Annotation, type LangGraphRunnableConfig, StateGraph } from "@langchain/langgraph";

export const ResearchState = Annotation.Root({
  topic: Annotation<string>(),
  findings: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

const SOURCES = ["the docs", "the changelog", "an issue thread", "a blog post"];

function gather(state: typeof ResearchState.State, config: LangGraphRunnableConfig) {
  const findings = SOURCES.map((source, i) => `${i + 1}. what ${source} says about ${state.topic}`);
  for (const note of findings) config.writer?.({ kind: "progress", step: "gather", note });
  return { findings };
}

function rank(state: typeof ResearchState.State, config: LangGraphRunnableConfig) {
  config.writer?.({ kind: "progress", step: "rank", count: state.findings.length });
  return { findings: [`ranked ${state.findings.length} findings; the docs come first`] };
}

export const research = new StateGraph(ResearchState)
  .addNode("gather", gather)
  .addNode("rank", rank)
  .addEdge("__start__", "gather")
  .addEdge("gather", "rank")
  .addEdge("rank", "__end__")
  .compile();
