// A finished run replayed from the thread's history: one frame per
// checkpoint, oldest first, where the frame's "running" nodes are the
// checkpoint's next nodes and everything before them is visited.
import type { ThreadState } from "@langchain/langgraph-sdk";
import type { LiveRun } from "./live-run.ts";

export interface ReplayFrame {
  step: number | null;
  live: LiveRun;
}

/** `history` as the API returns it: newest first. */
export function replayFrames(history: Pick<ThreadState, "next" | "metadata">[]): ReplayFrame[] {
  const frames: ReplayFrame[] = [];
  let visited: string[] = [];
  let edges: string[] = [];
  let previous: string[] = ["__start__"];
  for (const cp of [...history].reverse()) {
    const next = cp.next.filter((n) => n !== "__start__");
    if (next.length === 0 && frames.length > 0) {
      // The last checkpoint of a finished run: the path ends at END.
      edges = [...edges, ...previous.map((p) => `${p}->__end__`)];
    } else {
      edges = [...edges, ...previous.flatMap((p) => next.map((n) => `${p}->${n}`))];
    }
    const step = typeof cp.metadata?.step === "number" ? cp.metadata.step : null;
    frames.push({ step, live: { running: next, visited: [...visited], edges: [...edges], last: null } });
    visited = [...visited, ...next];
    if (next.length) previous = next;
  }
  return frames.filter((f, i) => f.live.running.length > 0 || i === frames.length - 1);
}
