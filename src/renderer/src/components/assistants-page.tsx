// The Assistants page: system and user assistants, searched by name and
// filtered by graph, paged; the open one is edited in place (a save is a new
// version), its versions are listed with a diff and "Make latest", and it can
// be deleted. The open assistant is in the URL (#/assistants/<id>).
import type { Assistant, AssistantVersion } from "@langchain/langgraph-sdk";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { flattenVersion } from "../lib/assistant-version.ts";
import { diffValues } from "../lib/diff.ts";
import { errorMessage, shortId, timeAgo } from "../lib/format.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { useRoute } from "../lib/route.ts";
import { AssistantEditor } from "./assistant-editor.tsx";
import { DiffTable } from "./diff-table.tsx";

const PAGE = 50;
const VERSION_PAGE = 20;

export const isSystemAssistant = (a: Pick<Assistant, "metadata">) => a.metadata?.created_by === "system";

export function AssistantsPage({ graphIds }: { graphIds: string[] }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const [route, navigate] = useRoute();
  const [name, setName] = useState("");
  const [graphId, setGraphId] = useState("");
  const [page, setPage] = useState(0);
  const [creating, setCreating] = useState(false);

  const filters = { name: name.trim(), graphId, page };
  const list = useQuery({
    queryKey: keys.assistantList(filters),
    queryFn: ({ signal }) =>
      client!.assistants.search({
        name: filters.name || undefined,
        graphId: filters.graphId || undefined,
        limit: PAGE + 1,
        offset: page * PAGE,
        sortBy: "created_at",
        sortOrder: "asc",
        signal,
      }),
    enabled: !!client,
    placeholderData: keepPreviousData,
  });
  const rows = (list.data ?? []).slice(0, PAGE);
  const hasMore = (list.data?.length ?? 0) > PAGE;

  // The system assistant of each graph answers for that graph's schemas.
  const systemList = useQuery({
    queryKey: keys.assistants(),
    queryFn: () => client!.assistants.search({ limit: 100 }),
    enabled: !!client,
  });
  const schemaSourceFor = (g: string) => {
    const all = systemList.data ?? [];
    return (all.find((a) => a.graph_id === g && isSystemAssistant(a)) ?? all.find((a) => a.graph_id === g))?.assistant_id;
  };

  return (
    <div className="body assistants-page">
      <aside className="sidebar" aria-label="Assistants">
        <div className="sidebar-head">
          <h3>Assistants</h3>
          <button
            type="button"
            className="btn small primary"
            onClick={() => {
              setCreating(true);
              navigate({ page: "assistants", assistantId: null });
            }}
          >
            New assistant
          </button>
        </div>
        <div className="filters assistant-filters">
          <input
            type="search"
            aria-label="Search assistants"
            placeholder="Search by name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setPage(0);
            }}
          />
          <select
            aria-label="Filter by graph"
            value={graphId}
            onChange={(e) => {
              setGraphId(e.target.value);
              setPage(0);
            }}
          >
            <option value="">All graphs</option>
            {graphIds.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        {list.error && (
          <p role="alert" className="error-text">
            {errorMessage(list.error)}
          </p>
        )}
        <ul className="thread-list" aria-label="Assistant list">
          {rows.map((a) => (
            <li key={a.assistant_id}>
              <button
                type="button"
                className={`thread-row${route.assistantId === a.assistant_id ? " selected" : ""}`}
                aria-label={`Assistant ${a.name}`}
                aria-current={route.assistantId === a.assistant_id ? "true" : undefined}
                onClick={() => {
                  setCreating(false);
                  navigate({ page: "assistants", assistantId: a.assistant_id });
                }}
              >
                <span className="row1">
                  <strong className="clip">{a.name}</strong>
                  <span className={`badge subtle ${isSystemAssistant(a) ? "" : "user-badge"}`}>{isSystemAssistant(a) ? "system" : "user"}</span>
                </span>
                <span className="muted small">
                  {a.graph_id} · v{a.version} · {timeAgo(a.updated_at)}
                </span>
              </button>
            </li>
          ))}
          {list.isSuccess && rows.length === 0 && <li className="empty-list muted">No assistants match.</li>}
        </ul>
        <div className="row pager">
          <button type="button" className="btn small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
            Previous
          </button>
          <span className="muted small" aria-label="Assistant page">
            page {page + 1}
          </span>
          <button type="button" className="btn small" disabled={!hasMore} onClick={() => setPage((p) => p + 1)}>
            Next
          </button>
        </div>
      </aside>
      <main className="main assistant-main">
        {creating ? (
          <div className="assistant-detail">
            <h2>New assistant</h2>
            <AssistantEditor
              target={{ kind: "create", graphIds, schemaSourceFor }}
              onCancel={() => setCreating(false)}
              onSaved={(a) => {
                setCreating(false);
                navigate({ page: "assistants", assistantId: a.assistant_id });
              }}
            />
          </div>
        ) : route.assistantId ? (
          <AssistantDetail key={route.assistantId} assistantId={route.assistantId} graphIds={graphIds} />
        ) : (
          <div className="empty">
            <h2>Assistants</h2>
            <p className="muted">
              An assistant is a graph with a saved configuration. Each graph has a system assistant; create your own with{" "}
              <strong>New assistant</strong>, then pick it in a thread's Run panel.
            </p>
          </div>
        )}
      </main>
    </div>
  );
}

function AssistantDetail({ assistantId, graphIds }: { assistantId: string; graphIds: string[] }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [, navigate] = useRoute();

  const assistant = useQuery({
    queryKey: keys.assistant(assistantId),
    queryFn: ({ signal }) => client!.assistants.get(assistantId, { signal }),
    enabled: !!client,
    retry: false,
  });
  const remove = useMutation({
    mutationFn: () => client!.assistants.delete(assistantId),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: keys.assistant(assistantId) });
      await queryClient.invalidateQueries({ queryKey: keys.assistants() });
      navigate({ page: "assistants", assistantId: null });
    },
  });

  if (assistant.error) {
    return (
      <div className="empty">
        <h2>Assistant not available</h2>
        <p role="alert" className="error-text">
          {errorMessage(assistant.error)}
        </p>
      </div>
    );
  }
  const a = assistant.data;
  if (!a) return <p className="muted loading">Loading assistant…</p>;
  const system = isSystemAssistant(a);
  return (
    <div className="assistant-detail">
      <div className="thread-head">
        <div className="thread-title">
          <span className="badge">{system ? "system" : "user"}</span>
          <h2 aria-label="Assistant name">{a.name}</h2>
          <span className="muted small">
            {a.graph_id} · version <span aria-label="Current version">{a.version}</span> · <code>{shortId(a.assistant_id, 13)}</code>
          </span>
        </div>
        <button
          type="button"
          className="btn danger"
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(`Delete assistant "${a.name}" and all its versions?`)) remove.mutate();
          }}
        >
          Delete assistant
        </button>
      </div>
      {remove.error && (
        <p role="alert" className="error-text">
          {errorMessage(remove.error)}
        </p>
      )}
      <div className="assistant-columns">
        <section aria-label="Edit">
          <h3>Edit</h3>
          {/* Keyed by version: making another version latest reloads the form from it. */}
          <AssistantEditor key={a.version} target={{ kind: "edit", assistant: a }} onSaved={() => undefined} />
          {graphIds.length > 0 && !graphIds.includes(a.graph_id) && <p className="error-text">Graph {a.graph_id} is not loaded.</p>}
        </section>
        <Versions assistant={a} />
      </div>
    </div>
  );
}

function Versions({ assistant }: { assistant: Assistant }) {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const queryClient = useQueryClient();
  const [page, setPage] = useState(0);
  const [picked, setPicked] = useState<number | null>(null);

  const versions = useQuery({
    queryKey: keys.versions(assistant.assistant_id, page),
    queryFn: ({ signal }) => client!.assistants.getVersions(assistant.assistant_id, { limit: VERSION_PAGE + 1, offset: page * VERSION_PAGE, signal }),
    enabled: !!client,
    placeholderData: keepPreviousData,
  });
  const rows = (versions.data ?? []).slice(0, VERSION_PAGE);
  const hasMore = (versions.data?.length ?? 0) > VERSION_PAGE;
  const selected = rows.find((v) => v.version === picked) ?? null;

  const makeLatest = useMutation({
    mutationFn: (version: number) => client!.assistants.setLatest(assistant.assistant_id, version),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.assistants() }),
  });

  return (
    <section aria-label="Versions" className="versions">
      <h3>Versions</h3>
      <ul className="version-list" aria-label="Assistant versions">
        {rows.map((v) => (
          <li key={v.version}>
            <button
              type="button"
              aria-label={`Version ${v.version}`}
              aria-pressed={picked === v.version}
              className={`version-item${picked === v.version ? " active" : ""}`}
              onClick={() => setPicked(v.version)}
            >
              <strong>v{v.version}</strong>
              {v.version === assistant.version && <span className="badge subtle status-idle">latest</span>}
              <span className="muted small">{timeAgo(v.created_at)}</span>
              <span className="muted small clip">{v.name}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="row pager">
        <button type="button" className="btn small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          Newer
        </button>
        <button type="button" className="btn small" disabled={!hasMore} onClick={() => setPage((p) => p + 1)}>
          Older
        </button>
      </div>
      {versions.error && (
        <p role="alert" className="error-text">
          {errorMessage(versions.error)}
        </p>
      )}
      {selected && (
        <VersionDiff version={selected} latest={assistant} busy={makeLatest.isPending} onMakeLatest={() => makeLatest.mutate(selected.version)} />
      )}
      {makeLatest.error && (
        <p role="alert" className="error-text">
          {errorMessage(makeLatest.error)}
        </p>
      )}
    </section>
  );
}

function VersionDiff({
  version,
  latest,
  busy,
  onMakeLatest,
}: {
  version: AssistantVersion;
  latest: Assistant;
  busy: boolean;
  onMakeLatest: () => void;
}) {
  const changes = diffValues(flattenVersion(latest), flattenVersion(version));
  const isLatest = version.version === latest.version;
  return (
    <div className="version-diff">
      <div className="row">
        <strong>
          v{version.version} against the latest (v{latest.version})
        </strong>
        <div className="spacer" />
        <button type="button" className="btn small primary" disabled={isLatest || busy} onClick={onMakeLatest}>
          Make latest
        </button>
      </div>
      <DiffTable label="Version changes" changes={changes} empty={isLatest ? "This is the latest version." : "Same as the latest version."} />
    </div>
  );
}
