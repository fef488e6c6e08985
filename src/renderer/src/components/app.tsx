// The Studio's frame: toolbar (graph, durability, settings), threads on the
// left, the selected thread (or the graph) in the middle, status bar and log.
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { useHost, useServerClient } from "../host/host-context.tsx";
import { serverKeys } from "../lib/query-keys.ts";
import { useRememberedView } from "../lib/remembered-view.ts";
import { useRoute } from "../lib/route.ts";
import { CronsPage } from "./crons-page.tsx";
import { AssistantsPage } from "./assistants-page.tsx";
import { DurabilityPanel } from "./durability-panel.tsx";
import { LogPanel } from "./log-panel.tsx";
import { ProjectDialog, projectName } from "./project-dialog.tsx";
import { ReloadToast } from "./reload-toast.tsx";
import { SettingsDialog } from "./settings-dialog.tsx";
import { Shortcuts } from "./shortcut-help.tsx";
import { StorePage } from "./store-page.tsx";
import { ThemeSelect } from "./theme-select.tsx";
import { StatusBar } from "./status-bar.tsx";
import { ThreadList } from "./thread-list.tsx";
import { ThreadView } from "./thread-view.tsx";

// React Flow and dagre are the largest part of the bundle; load them when a graph is shown.
const GraphView = lazy(() => import("./graph-view.tsx").then((m) => ({ default: m.GraphView })));

export function App() {
  const { client, bootId, status } = useServerClient();
  const keys = serverKeys(bootId);
  const [route, navigate] = useRoute();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [logOpen, setLogOpen] = useState(false);
  const [projectsOpen, setProjectsOpen] = useState(false);
  const project = projectName(status?.projectDir);
  useRememberedView(status?.projectDir);
  const shownProject = useRef(status?.projectDir);
  useEffect(() => {
    // Another project (from the dialog or the app's File menu): the thread, assistant or namespace in the URL was the old one's.
    if (!status?.projectDir) return;
    if (shownProject.current && shownProject.current !== status.projectDir) {
      navigate({ page: "threads", threadId: null, assistantId: null, namespace: [] });
    }
    shownProject.current = status.projectDir;
  }, [status?.projectDir, navigate]);
  useEffect(() => {
    // Electron's window follows the page title, so one line names the project in both shells.
    document.title = project ? `${project} — Skeino Studio` : "Skeino Studio";
  }, [project]);
  const [graphId, setGraphId] = useState<string>("");

  const assistants = useQuery({
    queryKey: keys.assistants(),
    queryFn: () => client!.assistants.search({ limit: 100 }),
    enabled: !!client,
  });
  const graphIds = [...new Set((assistants.data ?? []).map((a) => a.graph_id))].sort();
  useEffect(() => {
    // Also when another project was opened and the chosen graph is not in it.
    if ((!graphId || !graphIds.includes(graphId)) && graphIds.length > 0) setGraphId(graphIds.includes("review") ? "review" : graphIds[0]!);
  }, [graphId, graphIds]);
  const assistant = (assistants.data ?? []).find((a) => a.graph_id === graphId);

  return (
    <div className="app" data-server-state={status?.state ?? "unknown"}>
      <header className="toolbar">
        <div className="brand">
          <span className="logo" aria-hidden>
            ◈
          </span>
          Skeino Studio
        </div>
        <button
          type="button"
          className="btn ghost project"
          title={status?.projectDir}
          aria-label={`Project ${project}: open another`}
          disabled={status?.devServer}
          onClick={() => setProjectsOpen(true)}
        >
          {project}
        </button>
        <nav className="page-nav" aria-label="Pages">
          <button
            type="button"
            className={`btn ghost${route.page === "threads" ? " active" : ""}`}
            aria-current={route.page === "threads" ? "page" : undefined}
            onClick={() => navigate({ page: "threads" })}
          >
            Threads
          </button>
          <button
            type="button"
            className={`btn ghost${route.page === "assistants" ? " active" : ""}`}
            aria-current={route.page === "assistants" ? "page" : undefined}
            onClick={() => navigate({ page: "assistants" })}
          >
            Assistants
          </button>
          <button
            type="button"
            className={`btn ghost${route.page === "memory" ? " active" : ""}`}
            aria-current={route.page === "memory" ? "page" : undefined}
            onClick={() => navigate({ page: "memory", namespace: [] })}
          >
            Memory
          </button>
          <button
            type="button"
            className={`btn ghost${route.page === "crons" ? " active" : ""}`}
            aria-current={route.page === "crons" ? "page" : undefined}
            onClick={() => navigate({ page: "crons" })}
          >
            Crons
          </button>
        </nav>
        {/* The graph picks the threads list and the new thread's graph: a Threads page control. */}
        <label className="field inline" hidden={route.page !== "threads"}>
          <span>Graph</span>
          <select aria-label="Graph" value={graphId} onChange={(e) => setGraphId(e.target.value)} disabled={graphIds.length === 0}>
            {graphIds.length === 0 && <option value="">—</option>}
            {graphIds.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        <div className="spacer" />
        <ThemeSelect />
        {status?.devServer ? (
          <span className="muted" title="Restart skeino dev to change persistence; edits to graph files reload in place">
            served by skeino dev · edits reload in place
          </span>
        ) : (
          <>
            <DurabilityPanel />
            <button type="button" className="btn" onClick={() => setSettingsOpen(true)}>
              Settings
            </button>
          </>
        )}
      </header>
      {route.page === "assistants" && client ? (
        <AssistantsPage graphIds={graphIds} />
      ) : route.page === "memory" && client ? (
        <StorePage />
      ) : route.page === "crons" && client ? (
        <div className="body">
          <ThreadList graphId={graphId} />
          <main className="main">
            <CronsPage assistants={assistants.data ?? []} />
          </main>
        </div>
      ) : (
        <div className="body">
          <ThreadList graphId={graphId} />
          <main className="main">
            {!client ? (
              <ServerNotReady onOpenSettings={() => setSettingsOpen(true)} onOpenProjects={() => setProjectsOpen(true)} />
            ) : route.threadId ? (
              <ThreadView
                key={route.threadId}
                threadId={route.threadId}
                graphId={graphId}
                assistantFor={(g) => (assistants.data ?? []).find((a) => a.graph_id === g)?.assistant_id ?? g}
              />
            ) : (
              <div className="welcome">
                <div className="welcome-head">
                  <h1>{graphId || "No graph"}</h1>
                  <p className="muted">
                    Select a thread on the left, or press <strong>New thread</strong> and <strong>Run</strong>. The graph of the selected assistant:
                  </p>
                </div>
                {assistant && (
                  <Suspense fallback={<p className="muted loading">Loading graph…</p>}>
                    <GraphView assistantId={assistant.assistant_id} highlight={[]} breakpointsFor={graphId} />
                  </Suspense>
                )}
              </div>
            )}
          </main>
        </div>
      )}
      {logOpen && <LogPanel onClose={() => setLogOpen(false)} />}
      <StatusBar logOpen={logOpen} onToggleLog={() => setLogOpen((o) => !o)} />
      {settingsOpen && <SettingsDialog onClose={() => setSettingsOpen(false)} />}
      {projectsOpen && <ProjectDialog onClose={() => setProjectsOpen(false)} />}
      <ReloadToast />
      <Shortcuts />
    </div>
  );
}

function ServerNotReady({ onOpenSettings, onOpenProjects }: { onOpenSettings: () => void; onOpenProjects: () => void }) {
  const { status } = useServerClient();
  const host = useHost();
  const state = status?.state ?? "starting";
  const stuck = state === "error" || state === "stopped";
  const projectErrors = status?.projectErrors ?? [];
  return (
    <div className="empty">
      <div className={`big-dot state-${state}`} aria-hidden />
      <h2>Server {state}</h2>
      {projectErrors.length > 0 ? (
        <section className="project-errors" aria-label="Project errors">
          <p className="muted">The project's graphs did not load. Fix the file and reload:</p>
          <ul>
            {projectErrors.map((e, i) => (
              <li key={i} role="alert">
                {e.file && (
                  <code className="error-location">
                    {e.file}:{e.line}
                    {e.column ? `:${e.column}` : ""}
                  </code>
                )}
                <pre className="error-text">{e.message}</pre>
              </li>
            ))}
          </ul>
        </section>
      ) : status?.error ? (
        <p role="alert" className="error-text">
          {status.error}
        </p>
      ) : (
        <p className="muted">Waiting for the skeino server to report ready…</p>
      )}
      {stuck && (
        <div className="row">
          <button type="button" className="btn primary" onClick={() => void host.restartServer("graceful")}>
            {projectErrors.length > 0 ? "Reload" : "Retry"}
          </button>
          <button type="button" className="btn" onClick={onOpenProjects}>
            Open another project
          </button>
          <button type="button" className="btn" onClick={onOpenSettings}>
            Open settings
          </button>
        </div>
      )}
    </div>
  );
}
