// `skeino dev`: `skeino serve` plus reloading the graphs in place whenever the
// manifest, its env file, a graph file or a local file a graph imports changes,
// and the Studio in the browser beside it.
import { randomBytes } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { ConfigError } from "../errors.ts";
import { FileWatcher } from "./file-watcher.ts";
import { locateError } from "./graph-reloader.ts";
import { closeApp, startFromFlags, stopSignal } from "../cli.ts";
import { configFlag, portFlag, type ParsedFlags } from "../cli-args.ts";
import { GraphReloader } from "./graph-reloader.ts";
import { ModuleReloader } from "./module-reloader.ts";
import { findStudioRenderer, startDevStudio, type DevStudio } from "./dev-studio.ts";
import type { DevStatus } from "./dev-status.ts";

export async function runDev(flags: ParsedFlags<"dev">): Promise<number> {
  const stopRequested = stopSignal();
  const projectDir = dirname(configFlag(flags.config));
  const studioPort = flags["studio-port"] === undefined ? undefined : portFlag(flags["studio-port"], {}, "--studio-port", 0);
  const modules = new ModuleReloader(projectDir);
  // Assigned once the server is up; /info reads it through the closure below before then.
  // eslint-disable-next-line prefer-const
  let reloader: GraphReloader | undefined;
  const startup: DevStatus = { generation: 1, error: null };
  // The Studio beside the server is its local owner: with custom auth it
  // talks to the server with this launch's credential (read, then removed
  // from the environment, by startFromFlags).
  const studioToken = flags["no-studio"] ? undefined : (process.env.SKEINO_STUDIO_TOKEN ?? randomBytes(32).toString("base64url"));
  if (studioToken) process.env.SKEINO_STUDIO_TOKEN = studioToken;
  const started = await startWhenLoadable(
    () => startFromFlags(flags, { importModule: modules.importModule }, { devStatus: () => reloader?.status ?? startup }),
    modules,
    projectDir,
    stopRequested,
  );
  if (!started) return 0;
  const { app, manifest, url } = started;

  let studio: DevStudio | undefined;
  if (!flags["no-studio"]) {
    const rendererDir = findStudioRenderer();
    if (rendererDir) {
      studio = await startDevStudio({ app, url, projectDir, port: studioPort, rendererDir, studioToken });
      process.stdout.write(`Skeino Studio: ${studio.url}\n`);
    } else {
      process.stderr.write("skeino dev: the Studio is not built in this checkout (run `npm run build`); serving the API only\n");
    }
  }
  reloader = new GraphReloader({
    app,
    manifest,
    modules,
    print: (line) => {
      process.stdout.write(`${line}\n`);
      studio?.log(line);
    },
    warn: (line) => {
      process.stderr.write(`${line}\n`);
      studio?.log(line, "stderr");
    },
    onReload: (event) => studio?.reloaded(event),
  });
  process.stdout.write(`watching ${manifest.path} and the files its graphs import; edits reload in place\n`);
  await stopRequested;
  reloader.close();
  await reloader.idle();
  await studio?.close();
  await closeApp(app);
  return 0;
}

/**
 * Starts the server; when a graph cannot be loaded at startup (there is no
 * last good version yet) it says where and waits for an edit of the manifest
 * or a file the graphs import, then tries again. Usage errors still end it.
 */
async function startWhenLoadable<T>(
  start: () => Promise<T>,
  modules: ModuleReloader,
  projectDir: string,
  stopRequested: Promise<string>,
): Promise<T | undefined> {
  for (;;) {
    let message: string;
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof ConfigError) || error.name === "UsageError") throw error;
      const where = locateError(error, projectDir);
      const place = where ? `${relative(projectDir, where.file)}${where.line ? `:${where.line}` : ""}: ` : "";
      message = `skeino dev: cannot start yet. ${place}${error.message}\nskeino dev: waiting for an edit to try again\n`;
    }
    let changed!: () => void;
    const edited = new Promise<void>((resolve) => (changed = resolve));
    const watcher = new FileWatcher(() => changed());
    for (const name of ["langgraph.json", ".env"]) watcher.add(join(projectDir, name));
    const unsubscribe = modules.onFile((file) => watcher.add(file));
    // Said once the watch is on: an edit made as soon as the message is read is not missed.
    process.stderr.write(message);
    const outcome = await Promise.race([edited.then(() => "edited" as const), stopRequested.then(() => "stop" as const)]);
    unsubscribe();
    watcher.close();
    if (outcome === "stop") return undefined;
    modules.nextGeneration();
  }
}
