#!/usr/bin/env node
// `npm run studio:web -- [--port N] [--project DIR] [--data-dir DIR] [--rebuild]`
// The Studio in any browser: builds the renderer if out/ has none (or with
// --rebuild), then runs the browser shell (plain Node, TypeScript via tsx),
// which prints "Skeino Studio: http://127.0.0.1:PORT/?token=...".
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const rebuild = args.includes("--rebuild");
const shellArgs = args.filter((a) => a !== "--rebuild");

if (rebuild || !existsSync(join(root, "out", "renderer", "index.html"))) {
  process.stderr.write("Building the Studio renderer (electron-vite build)…\n");
  const built = spawnSync(process.execPath, [join(root, "node_modules", "electron-vite", "bin", "electron-vite.js"), "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (built.status !== 0) {
    process.stderr.write("The renderer build failed; see above.\n");
    process.exit(built.status ?? 1);
  }
}

const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "main", "browser-shell.ts"), ...shellArgs], {
  cwd: process.cwd(),
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
