// The browser shell: the Studio without Electron, as a command. Creates the
// Studio host (supervisor, settings, durability), serves the renderer and the
// HostApi (browser-shell-server.ts) and prints the one URL to open.
//   node --import tsx src/main/browser-shell.ts [--port N] [--project DIR] [--data-dir DIR]
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startBrowserShell } from "./browser-shell-server.ts";
import { appRoot, StudioHost } from "./host.ts";
import { resolveDataDir } from "./settings-store.ts";

export { startBrowserShell, type BrowserShell, type BrowserShellOptions } from "./browser-shell-server.ts";

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** CLI entry: create the host, serve, print the one line, start the server, close on signals. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const dataDir = resolve(resolveDataDir(argv));
  const project = flag(argv, "--project");
  const port = Number(flag(argv, "--port") ?? 0);
  const rendererDir = flag(argv, "--renderer") ?? join(appRoot(), "out", "renderer");
  if (!existsSync(join(rendererDir, "index.html"))) {
    process.stderr.write(`No built renderer in ${rendererDir}; run \`npx electron-vite build\` first.\n`);
    process.exit(1);
  }
  if (project && !existsSync(join(project, "langgraph.json"))) {
    process.stderr.write(`No langgraph.json in ${resolve(project)}\n`);
    process.exit(1);
  }
  const host = new StudioHost({ dataDir, projectDir: project });
  const shell = await startBrowserShell({ host, rendererDir, port });
  process.stdout.write(`Skeino Studio: ${shell.url}\n`);
  host.supervisor.on((e) => {
    if (e.type === "log" && process.env.SKEINO_STUDIO_ECHO_LOGS) process.stderr.write(`[${e.line.stream}] ${e.line.text}\n`);
  });
  void host.start();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`Skeino Studio: ${signal}, stopping\n`);
    // Bounded: a wedged child must not keep the shell alive forever.
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await shell.close().catch(() => undefined);
    await host.close().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
