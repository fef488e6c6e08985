// Replays the thread's finished run on the graph, one checkpoint at a time,
// from its history (no re-execution: it only reads checkpoints).
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage } from "../lib/format.ts";
import type { LiveRun } from "../lib/live-run.ts";
import { type ReplayFrame, replayFrames } from "../lib/replay.ts";

const HISTORY_LIMIT = 500;

export function ReplayBar({ threadId, onFrame }: { threadId: string; onFrame: (live: LiveRun | null) => void }) {
  const { client } = useServerClient();
  const [frames, setFrames] = useState<ReplayFrame[] | null>(null);
  const [at, setAt] = useState(0);
  const load = useMutation({
    mutationFn: () => client!.threads.getHistory(threadId, { limit: HISTORY_LIMIT }),
    onSuccess: (history) => {
      const f = replayFrames(history);
      setFrames(f);
      setAt(0);
      onFrame(f[0]?.live ?? null);
    },
  });
  const go = (i: number) => {
    if (!frames) return;
    const clamped = Math.max(0, Math.min(frames.length - 1, i));
    setAt(clamped);
    onFrame(frames[clamped]!.live);
  };

  if (!frames) {
    return (
      <div className="replay-bar row">
        <button type="button" className="btn small" disabled={!client || load.isPending} onClick={() => load.mutate()}>
          Replay from history
        </button>
        {load.error && <span className="error-text small">{errorMessage(load.error)}</span>}
      </div>
    );
  }
  const frame = frames[at];
  return (
    <div className="replay-bar row" role="group" aria-label="Replay">
      <button type="button" className="btn small" disabled={at === 0} onClick={() => go(at - 1)}>
        Previous step
      </button>
      <span className="small" aria-label="Replay position">
        {at + 1} / {frames.length}
        {frame?.step !== null && frame?.step !== undefined ? ` · step ${frame.step}` : ""}
        {frame && frame.live.running.length > 0 ? ` · next: ${frame.live.running.join(", ")}` : " · done"}
      </span>
      <button type="button" className="btn small" disabled={at >= frames.length - 1} onClick={() => go(at + 1)}>
        Next step
      </button>
      <button
        type="button"
        className="btn small ghost"
        onClick={() => {
          setFrames(null);
          onFrame(null);
        }}
      >
        Stop replay
      </button>
    </div>
  );
}
