// A key-by-key diff as a table: the History tab's checkpoint changes and the
// Assistants page's version changes share it.
import type { KeyChange } from "../lib/diff.ts";
import { compactJson } from "../lib/format.ts";

export function DiffTable({ label, changes, empty }: { label: string; changes: KeyChange[]; empty: string }) {
  return (
    <table className="diff" aria-label={label}>
      <tbody>
        {changes.length === 0 && (
          <tr>
            <td className="muted">{empty}</td>
          </tr>
        )}
        {changes.map((c) => (
          <tr key={c.key} className={`diff-${c.kind}`}>
            <td className="diff-kind">{c.kind === "added" ? "+" : c.kind === "removed" ? "−" : "~"}</td>
            <td className="diff-key">{c.key}</td>
            <td className="diff-val">
              {c.kind !== "added" && <div className="before">{compactJson(c.before, 300)}</div>}
              {c.kind !== "removed" && <div className="after">{compactJson(c.after, 300)}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
