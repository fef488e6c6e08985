// The "chat" graph: a MessagesAnnotation agent loop with a scripted model (no
// API key): agent -> tools -> agent. Ask it "what time is it?" to see a tool
// call and a ToolMessage; anything else is answered directly.
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { MessagesAnnotation, StateGraph } from "@langchain/langgraph";

function text(message: BaseMessage | undefined): string {
  const c = message?.content;
  return typeof c === "string" ? c : JSON.stringify(c ?? "");
}

/** Stands in for a chat model: decides from the last message, deterministically. */
function agent(state: typeof MessagesAnnotation.State) {
  const last = state.messages.at(-1);
  if (last instanceof ToolMessage) {
    return { messages: [new AIMessage(`The clock tool says it is ${text(last)}.`)] };
  }
  const question = text(last);
  if (/\btime\b/i.test(question)) {
    return {
      messages: [
        new AIMessage({
          content: "",
          tool_calls: [{ id: `call_${state.messages.length}`, name: "clock", args: { timezone: "UTC" }, type: "tool_call" }],
        }),
      ],
    };
  }
  const words = question.split(/\s+/).filter(Boolean).length;
  return { messages: [new AIMessage(`You said "${question}" (${words} word${words === 1 ? "" : "s"}). Ask me what time it is to see a tool call.`)] };
}

function tools(state: typeof MessagesAnnotation.State) {
  const call = (state.messages.at(-1) as AIMessage).tool_calls?.[0];
  return { messages: [new ToolMessage({ tool_call_id: call?.id ?? "call", name: "clock", content: new Date().toISOString().slice(11, 16) + " UTC" })] };
}

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", agent)
  .addNode("tools", tools)
  .addEdge("__start__", "agent")
  .addConditionalEdges("agent", (s) => ((s.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : "__end__"), ["tools", "__end__"])
  .addEdge("tools", "agent")
  .compile();
