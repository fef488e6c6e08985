// `skeino dev`: `skeino serve` plus reloading the graphs in place whenever the
// manifest, its env file, a graph file or a local file a graph imports changes.
import { dirname } from "node:path";
import { closeApp, startFromFlags, stopSignal } from "../cli.ts";
import { configFlag, type ParsedFlags } from "../cli-args.ts";
import { GraphReloader } from "./graph-reloader.ts";
import { ModuleReloader } from "./module-reloader.ts";
import type { DevStatus } from "./dev-status.ts";

export async function runDev(flags: ParsedFlags<"dev">): Promise<number> {
  const stopRequested = stopSignal();
  const modules = new ModuleReloader(dirname(configFlag(flags.config)));
  let reloader: GraphReloader | undefined;
  const startup: DevStatus = { generation: 1, error: null };
  const { app, manifest } = await startFromFlags(flags, { importModule: modules.importModule }, { devStatus: () => reloader?.status ?? startup });
  reloader = new GraphReloader({
    app,
    manifest,
    modules,
    print: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`watching ${manifest.path} and the files its graphs import; edits reload in place\n`);
  await stopRequested;
  reloader.close();
  await reloader.idle();
  await closeApp(app);
  return 0;
}
