// `skeino dev` reloaded the graphs (or could not): a toast naming what changed,
// shown for a few seconds; a failed reload stays until the next good one.
import { useEffect, useState } from "react";
import { useLive } from "../host/host-context.tsx";

const SHOWN_MS = 6_000;

export function ReloadToast() {
  const { reload } = useLive();
  const [visible, setVisible] = useState(false);

  useEffect(() => {
    if (!reload) return;
    setVisible(true);
    if (reload.error) return;
    const timer = setTimeout(() => setVisible(false), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [reload]);

  if (!reload || !visible) return null;
  if (reload.error) {
    const where = reload.error.file ? `${reload.error.file.split(/[\\/]/).pop()}${reload.error.line ? `:${reload.error.line}` : ""}` : "";
    return (
      <div className="toast toast-error" role="alert" aria-label="Reload failed">
        <strong>Reload failed{where ? ` at ${where}` : ""}</strong>
        <span>The last good graphs still serve.</span>
        <code>{reload.error.message.split("\n").slice(-1)[0]}</code>
        <button type="button" className="btn" aria-label="Dismiss" onClick={() => setVisible(false)}>
          ×
        </button>
      </div>
    );
  }
  return (
    <div className="toast" role="status" aria-label="Graphs reloaded">
      <strong>Reloaded {reload.graphs.join(", ")}</strong>
      <span className="muted">
        {reload.files.join(", ")}
        {reload.durationMs !== undefined ? ` · ${reload.durationMs} ms` : ""}
      </span>
    </div>
  );
}
