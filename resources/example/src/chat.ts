// The "chat" graph: a MessagesAnnotation agent loop with a scripted model (no
// API key): agent -> tools -> agent. Ask it "what time is it?" to see a tool
// call and a ToolMessage; anything else is answered directly. Answers are
// streamed character by character, as a chat model streams tokens.
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { tool } from "@langchain/core/tools";
import { MessagesAnnotation, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { z } from "zod";

function text(message: BaseMessage | undefined): string {
  const c = message?.content;
  return typeof c === "string" ? c : JSON.stringify(c ?? "");
}

/** A scripted chat model saying `answer`, a character at a time. */
const say = (answer: string, config: LangGraphRunnableConfig) => new FakeListChatModel({ responses: [answer], sleep: 5 }).invoke([], config);

/** Stands in for a chat model: decides from the last message, deterministically. */
async function agent(state: typeof MessagesAnnotation.State, config: LangGraphRunnableConfig) {
  const last = state.messages.at(-1);
  if (last instanceof ToolMessage) {
    return { messages: [await say(`The clock tool says it is ${text(last)}.`, config)] };
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
  return {
    messages: [await say(`You said "${question}" (${words} word${words === 1 ? "" : "s"}). Ask me what time it is to see a tool call.`, config)],
  };
}

const clock = tool(async () => new Date().toISOString().slice(11, 16) + " UTC", {
  name: "clock",
  description: "The current time.",
  schema: z.object({ timezone: z.string() }),
});
const tools = new ToolNode([clock]);

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", agent)
  .addNode("tools", tools)
  .addEdge("__start__", "agent")
  .addConditionalEdges("agent", (s) => ((s.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : "__end__"), ["tools", "__end__"])
  .addEdge("tools", "agent")
  .compile();
