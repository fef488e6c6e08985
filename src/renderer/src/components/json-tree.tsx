// A small collapsible JSON tree: objects and arrays fold, the first levels
// start open, long strings are clipped with a title holding the full text.
import { useState } from "react";

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span className="j-null">null</span>;
  if (value === undefined) return <span className="j-null">undefined</span>;
  switch (typeof value) {
    case "string": {
      const clipped = value.length > 300 ? `${value.slice(0, 300)}…` : value;
      return (
        <span className="j-str" title={value.length > 300 ? value : undefined}>
          "{clipped}"
        </span>
      );
    }
    case "number":
      return <span className="j-num">{String(value)}</span>;
    case "boolean":
      return <span className="j-bool">{String(value)}</span>;
    default:
      return <span>{String(value)}</span>;
  }
}

function Node({ name, value, depth, openDepth }: { name?: string; value: unknown; depth: number; openDepth: number }) {
  const isObj = value !== null && typeof value === "object";
  const [open, setOpen] = useState(depth < openDepth);
  const label = name !== undefined ? <span className="j-key">{name}: </span> : null;
  if (!isObj) {
    return (
      <div className="j-row" style={{ paddingLeft: depth * 14 }}>
        <span className="j-twisty" />
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <>
      <div className="j-row" style={{ paddingLeft: depth * 14 }}>
        <button
          type="button"
          className="j-twisty"
          aria-expanded={open}
          aria-label={`${open ? "Collapse" : "Expand"} ${name ?? "root"}`}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? "▾" : "▸"}
        </button>
        {label}
        <span className="j-summary">{summary}</span>
      </div>
      {open && entries.map(([k, v]) => <Node key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />)}
    </>
  );
}

export function JsonTree({ value, label, openDepth = 2 }: { value: unknown; label: string; openDepth?: number }) {
  return (
    <div className="json-tree" role="group" aria-label={label}>
      {value !== null && typeof value === "object" ? (
        (Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>)).map(([k, v]) => (
          <Node key={k} name={k} value={v} depth={0} openDepth={openDepth} />
        ))
      ) : (
        <Node value={value} depth={0} openDepth={openDepth} />
      )}
    </div>
  );
}
