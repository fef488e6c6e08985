// Fresh copies of a project's own modules for `skeino dev`. ES modules cannot
// be unloaded, so each reload imports the graph files under a new URL
// (`?skeino-dev=N`); a module resolve hook gives every local file they import
// (not node_modules: @langchain/langgraph stays one shared copy) the same
// query, so edited imports are read again too. The hook also reports each
// local file it sees, which is how `skeino dev` knows what to watch.
// CommonJS files cannot take a query: their require cache entries are dropped
// before each reload instead.
import { createRequire, register } from "node:module";
import { sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort } from "node:worker_threads";

export const GENERATION_PARAM = "skeino-dev";

// Runs on Node's loader thread; plain JavaScript in a data: URL so it loads the
// same from the TypeScript sources and from the built package.
const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const parent = context.parentURL;
  if (!parent || !parent.startsWith("file:") || !result.url.startsWith("file:") || result.url.includes("/node_modules/")) return result;
  const generation = new URL(parent).searchParams.get(${JSON.stringify(GENERATION_PARAM)});
  if (generation === null) return result;
  const bare = result.url.split("?")[0];
  port.postMessage({ parent: parent.split("?")[0], child: bare });
  if (typeof result.format === "string" && result.format.includes("commonjs")) return result;
  const url = new URL(result.url);
  url.searchParams.set(${JSON.stringify(GENERATION_PARAM)}, generation);
  return { ...result, url: url.href };
}
`;

let installed: { port: MessagePort; listeners: Set<(edge: { parent: string; child: string }) => void> } | undefined;

/** One hook per process: module hooks cannot be removed once registered. */
function installHooks(): NonNullable<typeof installed> {
  if (installed) return installed;
  const { port1, port2 } = new MessageChannel();
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { port: port2 }, transferList: [port2] });
  const listeners = new Set<(edge: { parent: string; child: string }) => void>();
  port1.on("message", (edge: { parent: string; child: string }) => {
    for (const listener of listeners) listener(edge);
  });
  port1.unref();
  installed = { port: port1, listeners };
  return installed;
}

const requireCache = createRequire(import.meta.url).cache;

export class ModuleReloader {
  private generation = 0;
  /** Local imports: file -> the local files it imports (absolute paths). */
  private readonly imports = new Map<string, Set<string>>();
  private readonly onFileListeners = new Set<(file: string) => void>();
  private readonly seen = new Set<string>();

  /** `projectDir`: CommonJS files under it are read again on each reload. */
  constructor(private readonly projectDir: string) {
    installHooks().listeners.add((edge) => {
      const parent = fileURLToPath(edge.parent);
      const child = fileURLToPath(edge.child);
      let children = this.imports.get(parent);
      if (!children) this.imports.set(parent, (children = new Set()));
      children.add(child);
      this.see(child);
    });
  }

  /**
   * Starts a new generation: the next imports load every local file again.
   * Import edges are kept across generations (a dropped import leaves a stale
   * edge: at worst a reload names one graph too many).
   */
  nextGeneration(): void {
    this.generation += 1;
    const prefix = this.projectDir.endsWith(sep) ? this.projectDir : this.projectDir + sep;
    for (const key of Object.keys(requireCache)) {
      if (key.startsWith(prefix) && !key.includes(`${sep}node_modules${sep}`)) delete requireCache[key];
    }
  }

  /** For loadManifest: imports a graph (or http, checkpointer) module of the current generation. */
  readonly importModule = async (absolutePath: string): Promise<Record<string, unknown>> => {
    this.see(absolutePath);
    const url = new URL(pathToFileURL(absolutePath).href);
    url.searchParams.set(GENERATION_PARAM, String(this.generation));
    return (await import(url.href)) as Record<string, unknown>;
  };

  private see(file: string): void {
    if (this.seen.has(file)) return;
    this.seen.add(file);
    for (const listener of this.onFileListeners) listener(file);
  }

  /** Called with every local file a graph module imports (and the modules themselves), those seen so far first. */
  onFile(listener: (file: string) => void): () => void {
    this.onFileListeners.add(listener);
    for (const file of this.seen) listener(file);
    return () => this.onFileListeners.delete(listener);
  }

  /** The entry file and every local file it imports, directly or not. */
  closure(entry: string): Set<string> {
    const seen = new Set<string>([entry]);
    const queue = [entry];
    while (queue.length) {
      for (const child of this.imports.get(queue.pop() as string) ?? []) {
        if (!seen.has(child)) {
          seen.add(child);
          queue.push(child);
        }
      }
    }
    return seen;
  }
}
