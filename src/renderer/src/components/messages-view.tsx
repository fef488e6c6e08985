// LangChain messages in state (the `messages` channel of MessagesAnnotation)
// shown as a conversation: role, text, tool calls with their arguments.
// Accepts the dict form the API serialises ({type, content, tool_calls}) and
// the constructor form ({lc, id: [..., "AIMessage"], kwargs}).
import { compactJson } from "../lib/format.ts";

interface ToolCall {
  id?: string;
  name: string;
  args?: unknown;
}

interface ChatMessage {
  role: string;
  text: string;
  toolCalls: ToolCall[];
  toolName?: string;
  id?: string;
}

const ROLE_BY_CLASS: Record<string, string> = {
  HumanMessage: "human",
  AIMessage: "ai",
  AIMessageChunk: "ai",
  ToolMessage: "tool",
  SystemMessage: "system",
};

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && "text" in part ? String((part as { text: unknown }).text) : compactJson(part, 200)))
      .join("\n");
  }
  return content === undefined || content === null ? "" : compactJson(content, 400);
}

export function asChatMessage(value: unknown): ChatMessage | null {
  if (!value || typeof value !== "object") return null;
  let m = value as Record<string, unknown>;
  let role: string | undefined;
  if (m.lc === 1 && Array.isArray(m.id) && m.kwargs && typeof m.kwargs === "object") {
    role = ROLE_BY_CLASS[String(m.id.at(-1))];
    m = m.kwargs as Record<string, unknown>;
  } else if (typeof m.type === "string" && "content" in m) {
    role = m.type;
  } else if (typeof m.role === "string" && "content" in m) {
    role = m.role === "user" ? "human" : m.role === "assistant" ? "ai" : m.role;
  }
  if (!role) return null;
  const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as ToolCall[]) : [];
  return {
    role,
    text: contentText(m.content),
    toolCalls: calls.filter((c) => c && typeof c.name === "string"),
    toolName: typeof m.name === "string" ? m.name : undefined,
    id: typeof m.id === "string" ? m.id : undefined,
  };
}

/** The parsed conversation, or null when `value` is not a list of messages. */
export function asConversation(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const out = value.map(asChatMessage);
  return out.every((m): m is ChatMessage => m !== null) ? out : null;
}

export function MessagesView({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol className="messages" aria-label="Messages">
      {messages.map((m, i) => (
        <li key={m.id ?? i} className={`msg msg-${m.role}`}>
          <span className="msg-role">
            {m.role}
            {m.toolName ? ` · ${m.toolName}` : ""}
          </span>
          <div className="msg-body">
            {m.text && <div className="msg-text">{m.text}</div>}
            {m.toolCalls.map((c, j) => (
              <div key={c.id ?? j} className="tool-call">
                <span className="tool-name">{c.name}</span>
                <code>{compactJson(c.args ?? {}, 300)}</code>
              </div>
            ))}
          </div>
        </li>
      ))}
    </ol>
  );
}
