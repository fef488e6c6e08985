// Bottom bar: server state, persistence scheme, URL, pid, uptime; toggles the log.
import { useEffect, useState } from "react";
import { useServerStatus } from "../host/host-context.tsx";

function useTick(active: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    // Display clock for the uptime counter only; no data waits on it.
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [active]);
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function StatusBar({ logOpen, onToggleLog }: { logOpen: boolean; onToggleLog: () => void }) {
  const status = useServerStatus();
  useTick(status?.state === "ready");
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
        up {status?.readyAt ? uptime(Math.max(0, Date.now() - status.readyAt)) : "—"}
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
