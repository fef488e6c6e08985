// Projects: the current folder, "Open project…" (the host's folder picker in
// the app, a path field in the browser) and the recent projects kept by the host.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useHost, useServerStatus } from "../host/host-context.tsx";
import { errorMessage } from "../lib/format.ts";
import { hostKeys } from "../lib/query-keys.ts";
import { useEscape } from "../lib/use-escape.ts";

export function ProjectDialog({ onClose }: { onClose: () => void }) {
  const host = useHost();
  const queryClient = useQueryClient();
  const titleId = useId();
  const status = useServerStatus();
  const [path, setPath] = useState("");
  const recent = useQuery({ queryKey: hostKeys.recentProjects(), queryFn: () => host.getRecentProjects() });

  useEscape(onClose);

  const open = useMutation({
    mutationFn: (dir?: string) => host.openProject(dir),
    onSuccess: (result) => {
      queryClient.setQueryData(hostKeys.status(), result.status);
      queryClient.setQueryData(hostKeys.recentProjects(), result.recent);
      if (result.ok) onClose();
    },
  });
  const openError = open.error ? errorMessage(open.error) : open.data && !open.data.ok ? open.data.error : null;
  const others = (recent.data ?? []).filter((p) => p.dir !== status?.projectDir);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <div className="modal-head">
          <h2 id={titleId}>Projects</h2>
          <button type="button" className="btn ghost" aria-label="Close projects" onClick={onClose}>
            ✕
          </button>
        </div>
        <p className="muted small">
          Current project: <code aria-label="Current project">{status?.projectDir}</code>
        </p>
        {status?.canPickFolder ? (
          <button type="button" className="btn primary" disabled={open.isPending} onClick={() => open.mutate(undefined)}>
            {open.isPending ? "Opening…" : "Open project…"}
          </button>
        ) : (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              open.mutate(path);
            }}
          >
            <label className="field grow">
              <span>Project folder</span>
              <input
                aria-label="Project folder"
                spellCheck={false}
                autoComplete="off"
                placeholder="/path/to/a/folder/with/langgraph.json"
                value={path}
                onChange={(e) => setPath(e.target.value)}
              />
            </label>
            <button type="submit" className="btn primary" disabled={open.isPending || !path.trim()}>
              {open.isPending ? "Opening…" : "Open project"}
            </button>
          </form>
        )}
        {openError && (
          <p role="alert" className="error-text">
            {openError}
          </p>
        )}
        <h3>Recent projects</h3>
        {others.length === 0 ? (
          <p className="muted small">No other project opened yet.</p>
        ) : (
          <ul className="recent-projects" aria-label="Recent projects">
            {others.map((p) => (
              <li key={p.dir}>
                <button
                  type="button"
                  className="btn ghost wide"
                  aria-label={`Open ${p.dir}`}
                  title={p.missing ? "langgraph.json is gone from this folder" : p.dir}
                  disabled={open.isPending || p.missing}
                  onClick={() => open.mutate(p.dir)}
                >
                  <span className="recent-name">{projectName(p.dir)}</span> <code className="muted small">{p.dir}</code>
                  {p.missing && <span className="error-text small"> (missing)</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** The folder's last segment: what the title and the toolbar show. */
export function projectName(dir: string | undefined): string {
  return dir?.split(/[\\/]/).filter(Boolean).at(-1) ?? "";
}
