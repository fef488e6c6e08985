// Which assistant a run uses: the graph's assistants (system and user), with
// the chosen one's configuration shown so the user sees what the run gets.
import { useQuery } from "@tanstack/react-query";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";

export function AssistantPicker({ graphId, value, onChange }: { graphId: string; value: string; onChange: (assistantId: string) => void }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const list = useQuery({
    queryKey: keys.assistantList({ name: "", graphId, page: -1 }),
    queryFn: ({ signal }) => client!.assistants.search({ graphId, limit: 100, sortBy: "created_at", sortOrder: "asc", signal }),
    enabled: !!client && !!graphId,
  });
  const assistants = list.data ?? [];
  const chosen = assistants.find((a) => a.assistant_id === value);
  const configurable = chosen?.config?.configurable ?? {};
  return (
    <div className="assistant-picker">
      <label className="field inline">
        <span>Assistant</span>
        <select aria-label="Assistant" value={value} onChange={(e) => onChange(e.target.value)}>
          {!chosen && <option value={value}>{value === graphId ? graphId : value.slice(0, 8)}</option>}
          {assistants.map((a) => (
            <option key={a.assistant_id} value={a.assistant_id}>
              {a.name}
              {a.metadata?.created_by === "system" ? " (system)" : ` · v${a.version}`}
            </option>
          ))}
        </select>
      </label>
      {list.error && <span className="error-text small">{errorMessage(list.error)}</span>}
      {Object.keys(configurable).length > 0 && (
        <div className="assistant-config small" aria-label="Assistant configuration">
          {Object.entries(configurable).map(([k, v]) => (
            <span key={k} className="chip">
              {k}: {JSON.stringify(v)}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
