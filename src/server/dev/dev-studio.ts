// The Studio beside `skeino dev`: the browser shell (the Studio's renderer and
// host API on a loopback port of its own) attached to the server this process
// runs, told about every reload so it can redraw. The renderer is prebuilt:
// dist/studio in the package (npm pack builds it), out/renderer in a checkout
// after `npm run build`.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SkeinoApp } from "../app.ts";
import type { GraphReload } from "../../shared/host-api.ts";
import { STUDIO_TOKEN_HEADER } from "../auth/request-auth.ts";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export function findStudioRenderer(root = packageRoot): string | undefined {
  return [join(root, "out", "renderer"), join(root, "dist", "studio")].find((dir) => existsSync(join(dir, "index.html")));
}

export interface DevStudio {
  url: string;
  reloaded(event: GraphReload): void;
  log(text: string, stream?: "stdout" | "stderr"): void;
  close(): Promise<void>;
}

export async function startDevStudio(options: {
  app: SkeinoApp;
  url: string;
  projectDir: string;
  port?: number;
  rendererDir: string;
  /** The per-launch credential the server was started with (settings.studioToken). */
  studioToken?: string;
}): Promise<DevStudio> {
  // Loaded only when the Studio is wanted: plain Node, no Electron, no React.
  const { AttachedServerHost } = await import("../../main/attached-host.ts");
  const { startBrowserShell } = await import("../../main/browser-shell-server.ts");
  const ctx = options.app.context;
  const host = new AttachedServerHost({
    url: options.url,
    projectDir: options.projectDir,
    pid: process.pid,
    bootId: ctx.bootId,
    scheme: ctx.persistence.scheme,
    graphIds: () => ctx.registry.ids(),
    auth: ctx.auth ? { studioAuthDisabled: ctx.auth.disablesStudioAuth } : null,
    serverHeaders: ctx.auth && !ctx.auth.disablesStudioAuth && options.studioToken ? { [STUDIO_TOKEN_HEADER]: options.studioToken } : {},
  });
  const shell = await startBrowserShell({ host, rendererDir: options.rendererDir, port: options.port ?? 0 });
  return {
    url: shell.url,
    reloaded: (event) => host.reloaded(event),
    log: (text, stream = "stdout") => host.log(stream, text),
    close: () => shell.close(),
  };
}
