// Create or edit an assistant: name, description, metadata and configuration.
// The configuration is a form generated from the graph's config schema, with
// raw JSON (the whole `config`) as the fallback and for keys the form lacks.
// Saving an existing assistant writes a new version (PATCH).
import type { Assistant, Config, Metadata } from "@langchain/langgraph-sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { type ConfigField, configFields, configurableFrom, draftsFrom, type FieldDraft } from "../lib/config-form.ts";
import { errorMessage, parseJsonField } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";

type Target =
  { kind: "create"; graphIds: string[]; schemaSourceFor: (graphId: string) => string | undefined } | { kind: "edit"; assistant: Assistant };

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

export function AssistantEditor({ target, onSaved, onCancel }: { target: Target; onSaved: (a: Assistant) => void; onCancel?: () => void }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const editing = target.kind === "edit" ? target.assistant : null;

  const [graphId, setGraphId] = useState(editing?.graph_id ?? (target.kind === "create" ? (target.graphIds[0] ?? "") : ""));
  const [name, setName] = useState(editing?.name ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  // created_by is the server's bookkeeping; the user edits the rest.
  const [metadata, setMetadata] = useState(() => {
    const { created_by: _c, ...rest } = (editing?.metadata ?? {}) as Record<string, unknown>;
    return JSON.stringify(rest, null, 2);
  });
  const [config, setConfig] = useState<Record<string, unknown>>((editing?.config ?? {}) as Record<string, unknown>);
  const [raw, setRaw] = useState<string | null>(null);
  const [drafts, setDrafts] = useState<Record<string, FieldDraft>>({});
  const [formError, setFormError] = useState<string | null>(null);

  // Schemas come from an assistant of the graph: the one edited, or the graph's system assistant.
  const schemaSource = editing ? editing.assistant_id : target.kind === "create" ? target.schemaSourceFor(graphId) : undefined;
  const schemas = useQuery({
    queryKey: keys.schemas(schemaSource ?? "none"),
    queryFn: ({ signal }) => client!.assistants.getSchemas(schemaSource!, { signal }),
    enabled: !!client && !!schemaSource,
    staleTime: Infinity,
  });
  const fields: ConfigField[] | null = schemas.data ? configFields(schemas.data.config_schema) : null;
  const configurable = isRecord(config.configurable) ? config.configurable : {};
  const fieldsKey = fields?.map((f) => f.key).join(",") ?? "";
  useEffect(() => {
    if (fields) setDrafts(draftsFrom(fields, configurable));
    // Only when the schema arrives or changes: later edits live in the drafts.
  }, [fieldsKey]);

  /** The config as the form or raw editor has it now; throws a message a user can act on. */
  function currentConfig(): Record<string, unknown> {
    if (raw !== null) {
      const parsed = parseJsonField(raw, "Configuration") ?? {};
      if (!isRecord(parsed)) throw new Error("Configuration must be a JSON object");
      return parsed;
    }
    if (!fields) return config;
    const next = configurableFrom(fields, drafts, configurable);
    const { configurable: _old, ...rest } = config;
    return Object.keys(next).length ? { ...rest, configurable: next } : rest;
  }

  function toggleRaw() {
    setFormError(null);
    try {
      if (raw === null) setRaw(JSON.stringify(currentConfig(), null, 2));
      else {
        const parsed = currentConfig();
        setConfig(parsed);
        if (fields) setDrafts(draftsFrom(fields, isRecord(parsed.configurable) ? parsed.configurable : {}));
        setRaw(null);
      }
    } catch (err) {
      setFormError(errorMessage(err));
    }
  }

  const save = useMutation({
    mutationFn: async () => {
      const meta = parseJsonField(metadata, "Metadata") ?? {};
      if (!isRecord(meta)) throw new Error("Metadata must be a JSON object");
      const cfg = currentConfig() as Config;
      const body = { graphId, name: name.trim() || undefined, description: description.trim() || undefined, metadata: meta as Metadata, config: cfg };
      return editing ? client!.assistants.update(editing.assistant_id, body) : client!.assistants.create(body);
    },
    onSuccess: async (saved) => {
      // Lists, the detail, and its versions all changed; they share the "assistants" prefix.
      await queryClient.invalidateQueries({ queryKey: keys.assistants() });
      onSaved(saved);
    },
  });

  return (
    <form
      className="assistant-editor"
      aria-label={editing ? "Edit assistant" : "New assistant"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      {target.kind === "create" && (
        <label className="field">
          <span>Graph</span>
          <select aria-label="Assistant graph" value={graphId} onChange={(e) => setGraphId(e.target.value)}>
            {target.graphIds.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="field">
        <span>Name</span>
        <input aria-label="Name" value={name} placeholder={graphId} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>Description</span>
        <input aria-label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="field">
        <span>Metadata (JSON)</span>
        <textarea aria-label="Metadata (JSON)" spellCheck={false} rows={3} value={metadata} onChange={(e) => setMetadata(e.target.value)} />
      </label>
      <fieldset className="config-fieldset" aria-label="Configuration">
        <legend>
          Configuration{" "}
          <button type="button" className="btn small ghost" onClick={toggleRaw}>
            {raw === null ? "Raw JSON" : "Form"}
          </button>
        </legend>
        {raw !== null ? (
          <textarea aria-label="Configuration (JSON)" spellCheck={false} rows={8} value={raw} onChange={(e) => setRaw(e.target.value)} />
        ) : schemas.isLoading ? (
          <p className="muted small loading">Reading the graph's config schema…</p>
        ) : !fields ? (
          <p className="muted small">
            {schemas.error ? `Schema unavailable: ${errorMessage(schemas.error)}. ` : "This graph declares no config schema. "}
            Use Raw JSON to set the configuration.
          </p>
        ) : (
          fields.map((f) => (
            <ConfigInput key={f.key} field={f} value={drafts[f.key] ?? ""} onChange={(v) => setDrafts((d) => ({ ...d, [f.key]: v }))} />
          ))
        )}
      </fieldset>
      {(formError || save.error) && (
        <p role="alert" className="error-text">
          {formError ?? errorMessage(save.error)}
        </p>
      )}
      <div className="row">
        <button type="submit" className="btn primary" disabled={!client || save.isPending || !graphId}>
          {editing ? "Save new version" : "Create assistant"}
        </button>
        {onCancel && (
          <button type="button" className="btn ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function ConfigInput({ field, value, onChange }: { field: ConfigField; value: FieldDraft; onChange: (v: FieldDraft) => void }) {
  const hint = field.description ? <span className="muted small field-hint">{field.description}</span> : null;
  if (field.kind === "boolean") {
    return (
      <label className="field inline check">
        <input type="checkbox" aria-label={field.title} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        <span>{field.title}</span>
        {hint}
      </label>
    );
  }
  const text = typeof value === "string" ? value : "";
  return (
    <label className="field">
      <span>
        {field.title} <code className="muted">{field.kind}</code>
      </span>
      {field.kind === "enum" ? (
        <select aria-label={field.title} value={text} onChange={(e) => onChange(e.target.value)}>
          <option value="">(default)</option>
          {field.options!.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : field.kind === "json" ? (
        <textarea aria-label={field.title} spellCheck={false} rows={3} value={text} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input
          aria-label={field.title}
          inputMode={field.kind === "string" ? undefined : "decimal"}
          value={text}
          placeholder="(default)"
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {hint}
    </label>
  );
}
