// A small chat page on @langchain/react's useStream, as an app built today
// would be, pointed at the skeino server it is served from. The thread id is
// kept in sessionStorage so a reload rejoins the conversation.
import { useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { useStream } from "@langchain/react";
import type { BaseMessage } from "@langchain/core/messages";

const textOf = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((b: { text?: string }) => b.text ?? "").join("") : "";

declare global {
  interface Window {
    /** Every distinct text the last AI message showed: proof it grew token by token. */
    __aiTexts: string[];
  }
}
window.__aiTexts = [];

function Chat() {
  const [threadId, setThreadId] = useState<string | null>(() => sessionStorage.getItem("threadId"));
  const stream = useStream({
    apiUrl: window.location.origin,
    assistantId: "agent",
    threadId,
    onThreadId: (id: string) => {
      sessionStorage.setItem("threadId", id);
      setThreadId(id);
    },
  });
  const [draft, setDraft] = useState("");
  const messages = stream.messages as BaseMessage[];
  const last = messages[messages.length - 1];
  const lastText = last ? textOf(last.content) : "";
  const seen = useRef("");
  useEffect(() => {
    if (last?.getType?.() === "ai" && lastText !== seen.current) {
      seen.current = lastText;
      window.__aiTexts.push(lastText);
    }
  }, [last, lastText]);
  const interrupt = stream.interrupt as { value?: { question?: string } } | undefined;
  return (
    <main>
      <p aria-label="status">{stream.isLoading ? "loading" : "idle"}</p>
      {stream.error ? <p role="alert">{String((stream.error as Error).message ?? stream.error)}</p> : null}
      <ul aria-label="messages">
        {messages.map((m, i) => (
          <li key={m.id ?? i} data-role={m.getType?.()}>
            {textOf(m.content)}
          </li>
        ))}
      </ul>
      {interrupt ? (
        <section aria-label="interrupt">
          <p>{interrupt.value?.question}</p>
          <button onClick={() => void stream.respond("yes")}>Approve</button>
        </section>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const text = draft;
          setDraft("");
          void stream.submit({ messages: [{ type: "human", content: text }] });
        }}
      >
        <input aria-label="message" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Send</button>
      </form>
    </main>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(<Chat />);
