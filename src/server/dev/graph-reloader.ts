// The reload loop of `skeino dev`: a watched file changed -> load the manifest
// again with fresh copies of the project's modules -> swap the app's graphs in
// place (threads, runs and checkpoints stay; running runs finish on the old
// code). A broken edit keeps the last good graphs and says where it broke.
import { readFileSync } from "node:fs";
import { dirname, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SkeinoApp } from "../app.ts";
import { loadManifest, type Manifest } from "../manifest.ts";
import { GRAPH_SOURCE } from "../graphs/registry.ts";
import type { DevStatus, SourceLocation } from "./dev-status.ts";
import { FileWatcher } from "./file-watcher.ts";
import type { ModuleReloader } from "./module-reloader.ts";
import type { GraphReload } from "../../shared/host-api.ts";

export interface GraphReloaderOptions {
  app: SkeinoApp;
  manifest: Manifest;
  modules: ModuleReloader;
  /** One line per reload ("reloaded: agent (312 ms)"); errors go to `warn`. */
  print: (line: string) => void;
  warn: (line: string) => void;
  /** After every attempt, good or failed (the Studio redraws, or shows the error). */
  onReload?: (event: GraphReload) => void;
}

/** Keys whose changes need a restart: they shape the server, not the graphs. */
const RESTART_KEYS = ["store", "checkpointer", "http", "ui", "ui_config", "auth"];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The first place in the project an error points at: esbuild's "file:line:col: ERROR", or a stack frame. */
export function locateError(error: unknown, projectDir: string): SourceLocation | undefined {
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) texts.push(e.message, e.stack ?? "");
  // The project folder may hold spaces: anchor on it, as a path (esbuild) or as a URL path (ES module frames).
  const prefixes = [projectDir, pathToFileURL(projectDir).pathname].map((p) => escapeRegExp(p.endsWith(sep) ? p : p + sep));
  const location = new RegExp(`(file://)?(${prefixes.join("|")})([^\\n?:)]+?\\.(?:[cm]?[jt]sx?|json))(?:\\?[^\\s:)]*)?:(\\d+)(?::(\\d+))?`, "g");
  for (const text of texts) {
    for (const match of text.matchAll(location)) {
      const path = `${match[2] as string}${match[3] as string}`;
      const file = match[1] ? fileURLToPath(`file://${path}`) : path;
      if (file.includes(`${sep}node_modules${sep}`)) continue;
      return { file, line: Number(match[4]), ...(match[5] ? { column: Number(match[5]) } : {}) };
    }
  }
  return undefined;
}

function restartKeys(path: string): string {
  try {
    const raw = JSON.parse(readFileSync(path, "utf-8")) as Record<string, unknown>;
    return JSON.stringify(RESTART_KEYS.map((k) => raw[k] ?? null));
  } catch {
    return "";
  }
}

export class GraphReloader {
  readonly status: DevStatus = { generation: 1, error: null };
  private manifest: Manifest;
  private readonly projectDir: string;
  private readonly watcher: FileWatcher;
  private pending = new Set<string>();
  private running: Promise<void> | undefined;
  private shapeOfServer: string;

  constructor(private readonly options: GraphReloaderOptions) {
    this.manifest = options.manifest;
    this.projectDir = dirname(options.manifest.path);
    this.shapeOfServer = restartKeys(this.manifest.path);
    this.watcher = new FileWatcher((files) => this.schedule(files));
    // Every local file the graphs import, inside the project or beside it (a
    // monorepo's sibling package): each reload reads them all again.
    options.modules.onFile((file) => this.watcher.add(file));
    this.watchManifest(this.manifest);
    for (const graphId of Object.keys(this.manifest.graphs)) {
      const source = this.sourceOf(this.manifest, graphId);
      if (source) this.watcher.add(source);
    }
  }

  private watchManifest(manifest: Manifest): void {
    this.watcher.add(manifest.path);
    if (manifest.envFile) this.watcher.add(manifest.envFile);
  }

  private sourceOf(manifest: Manifest, graphId: string): string | undefined {
    const entry = manifest.graphs[graphId] as unknown as { [GRAPH_SOURCE]?: { sourceFile: string } } | undefined;
    return entry?.[GRAPH_SOURCE]?.sourceFile;
  }

  /** Files changed: reload once the reload in progress (if any) is done. */
  schedule(files: string[]): Promise<void> {
    for (const f of files) this.pending.add(f);
    this.running ??= (async () => {
      try {
        while (this.pending.size) {
          const batch = [...this.pending];
          this.pending = new Set();
          await this.reload(batch);
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Waits for the reload in progress, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async reload(files: string[]): Promise<void> {
    const started = performance.now();
    const previous = this.manifest;
    // Values the env file set before are dropped so that its edits apply
    // (variables set outside the file still win, as at startup).
    const restoreEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(previous.env)) {
      if (process.env[key] === value) {
        restoreEnv[key] = value;
        delete process.env[key];
      }
    }
    this.options.modules.nextGeneration();
    try {
      const manifest = await loadManifest(previous.path, process.env, { importModule: this.options.modules.importModule });
      const change = await this.options.app.reloadGraphs(manifest.graphs);
      this.manifest = manifest;
      this.watchManifest(manifest);
      const everything = files.includes(manifest.path) || (manifest.envFile !== undefined && files.includes(manifest.envFile));
      const touched = Object.keys(manifest.graphs).filter((graphId) => {
        if (everything || change.added.includes(graphId)) return true;
        const source = this.sourceOf(manifest, graphId);
        if (!source) return false;
        const closure = this.options.modules.closure(source);
        return files.some((f) => closure.has(f));
      });
      const graphs = touched.length ? touched : Object.keys(manifest.graphs);
      const durationMs = Math.round(performance.now() - started);
      this.status.generation += 1;
      this.status.error = null;
      this.status.last_reload = {
        at: new Date().toISOString(),
        graphs,
        files: files.map((f) => relative(this.projectDir, f)),
        duration_ms: durationMs,
      };
      this.options.print(
        `reloaded: ${graphs.join(", ")} (${durationMs} ms)${change.removed.length ? `; removed: ${change.removed.join(", ")}` : ""}`,
      );
      this.options.onReload?.({ generation: this.status.generation, graphs, files: this.status.last_reload.files, durationMs });
      const shape = restartKeys(manifest.path);
      if (shape !== this.shapeOfServer) {
        this.shapeOfServer = shape;
        this.options.warn(
          `skeino dev: ${RESTART_KEYS.join(", ")} changed in ${relative(this.projectDir, manifest.path)}; they apply when you restart skeino dev`,
        );
      }
    } catch (error) {
      for (const [key, value] of Object.entries(restoreEnv)) process.env[key] ??= value;
      const message = error instanceof Error ? error.message : String(error);
      const where = locateError(error, this.projectDir);
      this.status.error = { message, at: new Date().toISOString(), ...where };
      const place = where ? `${relative(this.projectDir, where.file)}${where.line ? `:${where.line}` : ""}: ` : "";
      this.options.warn(`skeino dev: reload failed, still serving the last good graphs. ${place}${message}`);
      this.options.onReload?.({
        generation: this.status.generation,
        graphs: [],
        files: files.map((f) => relative(this.projectDir, f)),
        error: { message, ...(where ? { file: relative(this.projectDir, where.file), line: where.line } : {}) },
      });
    }
  }

  close(): void {
    this.watcher.close();
  }
}
