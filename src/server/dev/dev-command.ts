// `skeino dev`: `skeino serve` plus reloading the graphs in place whenever the
// manifest, its env file, a graph file or a local file a graph imports changes,
// and the Studio in the browser beside it.
import { dirname } from "node:path";
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
  let reloader: GraphReloader | undefined;
  const startup: DevStatus = { generation: 1, error: null };
  const { app, manifest, url } = await startFromFlags(flags, { importModule: modules.importModule }, { devStatus: () => reloader?.status ?? startup });

  let studio: DevStudio | undefined;
  if (!flags["no-studio"]) {
    const rendererDir = findStudioRenderer();
    if (rendererDir) {
      studio = await startDevStudio({ app, url, projectDir, port: studioPort, rendererDir });
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
