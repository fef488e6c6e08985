// Bottom bar: server state, persistence scheme, URL, pid, uptime; toggles the log.
import { useEffect, useState } from "react";
import { useServerStatus } from "../host/host-context.tsx";
import { duration } from "../lib/format.ts";

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    // Display clock for the uptime counter only; no data waits on it.
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function StatusBar({ logOpen, onToggleLog }: { logOpen: boolean; onToggleLog: () => void }) {
  const status = useServerStatus();
  const now = useNow(status?.state === "ready");
  const state = status?.state ?? "starting";
  const scheme = status?.scheme ?? "—";
  return (
    <footer className="statusbar" aria-label="Server status">
      <span className="sb-item" aria-label="Server state">
        <span className={`dot state-${state}`} aria-hidden />
        {state}
      </span>
      <span className="sb-item" aria-label="Persistence scheme">
        <span className={`scheme scheme-${scheme}`}>{scheme}</span>
        {status?.mode === "local-postgres" && <span className="muted"> (local)</span>}
      </span>
      <span className="sb-item mono" aria-label="Server URL">
        {status?.url ?? "—"}
      </span>
      <span className="sb-item mono" aria-label="Server pid">
        pid {status?.pid ?? "—"}
      </span>
      <span className="sb-item mono" aria-label="Uptime">
        up {status?.readyAt ? duration(Math.max(0, now - status.readyAt)) : "—"}
      </span>
      {status?.bootId && (
        <span className="sb-item mono muted" title={`boot_id ${status.bootId}`}>
          boot {status.bootId.slice(0, 8)}
        </span>
      )}
      {status?.error && (
        <span className="sb-item error-text clip" title={status.error}>
          {status.error}
        </span>
      )}
      <span className="spacer" />
      <button type="button" className={`btn ghost small${logOpen ? " active" : ""}`} aria-pressed={logOpen} onClick={onToggleLog}>
        Logs
      </button>
    </footer>
  );
}
