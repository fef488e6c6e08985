// Breakpoints in the run panel: the list of the graph's nodes with "pause
// before" / "pause after" toggles (the same ones the graph view draws on its
// nodes), and, when the thread is paused at one, where and why, with Continue
// and Step.
import { useEffect, useState } from "react";
import { useAssistantGraph } from "../lib/assistant-graph.ts";
import { breakpointNodes, type Breakpoints, useBreakpoints } from "../lib/breakpoints.ts";

export function BreakpointList({ graphId, assistantId }: { graphId: string; assistantId: string }) {
  const graph = useAssistantGraph(assistantId);
  const [bp, toggle, clear] = useBreakpoints(graphId);
  const nodes = breakpointNodes((graph.data?.nodes ?? []).map((n) => String(n.id)));
  const count = bp.before.length + bp.after.length;
  // Opens by itself when a breakpoint is set (e.g. on the graph); closes only when the user closes it.
  const [open, setOpen] = useState(count > 0);
  useEffect(() => {
    if (count > 0) setOpen(true);
  }, [count]);
  return (
    <details className="breakpoints" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Breakpoints {count > 0 && <span className="badge subtle status-interrupted">{count}</span>}</summary>
      <table className="bp-table" aria-label="Breakpoints">
        <thead>
          <tr>
            <th>node</th>
            <th>before</th>
            <th>after</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <tr key={n}>
              <td>
                <code>{n}</code>
              </td>
              <td>
                <input type="checkbox" aria-label={`Pause before ${n}`} checked={bp.before.includes(n)} onChange={() => toggle(n, "before")} />
              </td>
              <td>
                <input type="checkbox" aria-label={`Pause after ${n}`} checked={bp.after.includes(n)} onChange={() => toggle(n, "after")} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {count > 0 && (
        <button type="button" className="btn small ghost" onClick={clear}>
          Clear breakpoints
        </button>
      )}
    </details>
  );
}

/** Why the thread stopped, in words: before a node, after one, or after a step. */
export function pauseReason(next: string[], bp: Breakpoints, lastNode: string | null, stepped: boolean): string {
  const target = next.join(", ");
  if (stepped && lastNode) return `Paused after ${lastNode} (one step); next: ${target}`;
  const before = next.find((n) => bp.before.includes(n));
  if (before) return `Paused before ${before} (breakpoint); next: ${target}`;
  // Paused after a subgraph's inner node, or after the subgraph node as a whole.
  if (lastNode && bp.after.includes(lastNode)) return `Paused after ${lastNode} (breakpoint); next: ${target}`;
  if (lastNode && bp.after.includes(lastNode.split(":")[0]!)) return `Paused after ${lastNode.split(":")[0]} (breakpoint); next: ${target}`;
  return `Paused; next: ${target}`;
}

export function PausedCard({
  reason,
  disabled,
  onContinue,
  onStep,
}: {
  reason: string;
  disabled: boolean;
  onContinue: () => void;
  onStep: () => void;
}) {
  return (
    <div className="interrupt-card" role="group" aria-label="Paused at breakpoint">
      <div className="interrupt-title" aria-label="Pause reason">
        {reason}
      </div>
      <div className="row">
        <button type="button" className="btn primary" disabled={disabled} onClick={onContinue}>
          Continue
        </button>
        <button type="button" className="btn" disabled={disabled} onClick={onStep} title="Run the next node, then pause again">
          Step
        </button>
      </div>
    </div>
  );
}
