// The "review" graph: plan -> research (a subgraph) -> write -> approve
// (interrupt(): waits for a human) -> publish, or back to write. Shows several nodes,
// a subgraph, a conditional edge, an interrupt and custom stream events.
import { Annotation, interrupt, type LangGraphRunnableConfig, StateGraph } from "@langchain/langgraph";
import { research } from "./research.ts";

const ReviewState = Annotation.Root({
  topic: Annotation<string>({ reducer: (_a, b) => b, default: () => "durable agents" }),
  notes: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  /** Written by the research subgraph (it returns its whole list, so replace, not append). */
  findings: Annotation<string[]>({ reducer: (_a, b) => b, default: () => [] }),
  draft: Annotation<string>({ reducer: (_a, b) => b, default: () => "" }),
  approved: Annotation<boolean | null>({ reducer: (_a, b) => b, default: () => null }),
  feedback: Annotation<string>({ reducer: (_a, b) => b, default: () => "" }),
  revisions: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  published: Annotation<string | null>({ reducer: (_a, b) => b, default: () => null }),
});

type State = typeof ReviewState.State;

function plan(state: State, config: LangGraphRunnableConfig) {
  config.writer?.({ kind: "progress", step: "plan", message: `planning a note on ${state.topic}` });
  return { notes: [`plan: explain ${state.topic} in three points`] };
}

function draft(state: State, config: LangGraphRunnableConfig) {
  const body = [...state.notes, ...state.findings.slice(0, 2)].join(" / ");
  const text = `${state.topic}: ${body}${state.feedback ? ` (revised after: ${state.feedback})` : ""}`;
  config.writer?.({ kind: "progress", step: "draft", chars: text.length });
  return { draft: text };
}

function approve(state: State) {
  // Pauses the run; the Studio's Resume sends Command({ resume: value }).
  const answer = interrupt<{ question: string; draft: string }, { approved?: boolean; feedback?: string } | boolean>({
    question: "Publish this draft?",
    draft: state.draft,
  });
  const approved = typeof answer === "boolean" ? answer : Boolean(answer?.approved);
  const feedback = typeof answer === "object" && answer?.feedback ? answer.feedback : "";
  return { approved, feedback, revisions: approved ? state.revisions : state.revisions + 1 };
}

function publish(state: State, config: LangGraphRunnableConfig) {
  config.writer?.({ kind: "published", chars: state.draft.length });
  return { published: `published at revision ${state.revisions}: ${state.draft}` };
}

export const graph = new StateGraph(ReviewState)
  .addNode("plan", plan)
  .addNode("research", research)
  .addNode("write", draft)
  .addNode("approve", approve)
  .addNode("publish", publish)
  .addEdge("__start__", "plan")
  .addEdge("plan", "research")
  .addEdge("research", "write")
  .addEdge("write", "approve")
  .addConditionalEdges("approve", (s: State) => (s.approved || s.revisions >= 3 ? "publish" : "write"), ["publish", "write"])
  .addEdge("publish", "__end__")
  .compile();
