// Persistence settings: Memory / PostgreSQL (a URI, password masked) / Local
// PostgreSQL (managed by the Studio). "Test connection" shows success or the
// clear error; "Save and restart" applies and restarts the server.
import type { ConnectionCheck, PersistenceMode, StudioSettings } from "../../../shared/host-api.ts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useHost, useServerStatus } from "../host/host-context.tsx";
import { errorMessage } from "../lib/format.ts";
import { hostKeys } from "../lib/query-keys.ts";
import { useEscape } from "../lib/use-escape.ts";

const MODES: { id: PersistenceMode; label: string; hint: string }[] = [
  { id: "memory", label: "Memory", hint: "Fast, nothing to set up; everything is gone when the server stops." },
  { id: "postgres", label: "PostgreSQL", hint: "Your own PostgreSQL server. Threads, runs and checkpoints survive restarts and crashes." },
  {
    id: "local-postgres",
    label: "Local PostgreSQL",
    hint: "A PostgreSQL the Studio runs for you, with its data in the Studio's folder. Durable, zero set-up.",
  },
];

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const host = useHost();
  const queryClient = useQueryClient();
  const titleId = useId();
  const settings = useQuery({ queryKey: hostKeys.settings(), queryFn: () => host.getSettings() });
  const [draft, setDraft] = useState<StudioSettings | null>(null);
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const projectAuth = useServerStatus()?.auth ?? null;

  useEffect(() => {
    if (settings.data && !draft) setDraft(settings.data);
  }, [settings.data, draft]);

  useEscape(onClose);

  const test = useMutation({
    mutationFn: (uri: string) => host.testConnection(uri),
    onMutate: () => setCheck(null),
    onSuccess: (c) => setCheck(c),
  });
  const save = useMutation({
    mutationFn: (s: StudioSettings) => host.saveSettings(s),
    onSuccess: async (result) => {
      queryClient.setQueryData(hostKeys.status(), result.status);
      queryClient.setQueryData(hostKeys.settings(), result.settings);
      if (result.check) setCheck(result.check);
      if (result.ok) onClose();
    },
  });

  const mode = draft?.persistence ?? "memory";
  const saveError = save.error ? errorMessage(save.error) : save.data && !save.data.ok ? save.data.error : null;

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <div className="modal-head">
          <h2 id={titleId}>Settings</h2>
          <button type="button" className="btn ghost" aria-label="Close settings" onClick={onClose}>
            ✕
          </button>
        </div>
        {!draft ? (
          <p className="muted">Loading…</p>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(draft);
            }}
          >
            <fieldset className="modes">
              <legend>Persistence</legend>
              {MODES.map((m) => (
                <label key={m.id} className={`mode${mode === m.id ? " selected" : ""}`}>
                  <input
                    type="radio"
                    name="persistence"
                    value={m.id}
                    checked={mode === m.id}
                    onChange={() => {
                      setDraft({ ...draft, persistence: m.id });
                      setCheck(null);
                    }}
                  />
                  <span className="mode-text">
                    <span className="mode-label">{m.label}</span>
                    <span className="muted small">{m.hint}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            {mode === "postgres" && (
              <div className="pg">
                <label className="field">
                  <span>Postgres URI</span>
                  <input
                    aria-label="Postgres URI"
                    spellCheck={false}
                    autoComplete="off"
                    placeholder="postgres://user:password@127.0.0.1:5432/skeino"
                    value={draft.postgresUri}
                    onChange={(e) => {
                      setDraft({ ...draft, postgresUri: e.target.value });
                      setCheck(null);
                    }}
                  />
                </label>
                <p className="muted small">
                  The password is stored in the Studio's settings file (encrypted where the OS offers it) and shown masked.
                </p>
                <button
                  type="button"
                  className="btn"
                  disabled={test.isPending || !draft.postgresUri.trim()}
                  onClick={() => test.mutate(draft.postgresUri)}
                >
                  {test.isPending ? "Testing…" : "Test connection"}
                </button>
              </div>
            )}
            {projectAuth?.studioAuthDisabled && (
              <fieldset className="pg">
                <legend>Project authentication</legend>
                <p className="muted small">
                  This project's langgraph.json sets <code>auth.disable_studio_auth</code>: the Studio must authenticate like any client. Enter a
                  token its auth accepts; it is sent as <code>Authorization: Bearer …</code>. Without one, every request answers 401 (Unauthorized).
                </p>
                <label className="field">
                  <span>Auth token</span>
                  <input
                    aria-label="Auth token"
                    type="password"
                    spellCheck={false}
                    autoComplete="off"
                    value={draft.authToken ?? ""}
                    onChange={(e) => setDraft({ ...draft, authToken: e.target.value })}
                  />
                </label>
              </fieldset>
            )}
            {check && (
              <p role={check.ok ? "status" : "alert"} className={check.ok ? "ok-text" : "error-text"}>
                {check.ok ? "✓ " : "✕ "}
                {check.message}
                <span className="muted small"> ({check.elapsedMs} ms)</span>
              </p>
            )}
            {test.error && (
              <p role="alert" className="error-text">
                {errorMessage(test.error)}
              </p>
            )}
            {saveError && (!check || check.ok) && (
              <p role="alert" className="error-text">
                {saveError}
              </p>
            )}
            <div className="modal-foot">
              <span className="muted small">{save.isPending ? "Applying: testing, saving and restarting the server…" : ""}</span>
              <button type="button" className="btn" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="btn primary" disabled={save.isPending}>
                Save and restart
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
