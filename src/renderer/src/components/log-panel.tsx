// The server's captured stdout/stderr and the supervisor's notes, newest at
// the bottom, following the tail unless the user scrolled up.
import { useEffect, useRef, useState } from "react";
import { useHost, useLive } from "../host/host-context.tsx";

export function LogPanel({ onClose }: { onClose: () => void }) {
  const { logs } = useLive();
  const host = useHost();
  const [filter, setFilter] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const shown = filter ? logs.filter((l) => l.text.toLowerCase().includes(filter.toLowerCase())) : logs;

  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [shown.length]);

  return (
    <section className="log-panel" aria-label="Server log panel">
      <div className="log-head">
        <h3>Server log</h3>
        <input aria-label="Filter log" placeholder="filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="spacer" />
        <button type="button" className="btn small" onClick={() => void host.restartServer("graceful")}>
          Restart server
        </button>
        <button type="button" className="btn ghost small" aria-label="Close log" onClick={onClose}>
          ✕
        </button>
      </div>
      <div
        className="log-lines"
        role="log"
        aria-label="Server log"
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {shown.map((l, i) => (
          <div key={`${l.seq}-${i}`} className={`log-line log-${l.stream}`}>
            <span className="log-time">{new Date(l.time).toLocaleTimeString()}</span>
            <span className="log-stream">{l.stream === "supervisor" ? "studio" : l.stream}</span>
            <span className="log-text">{l.text}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
