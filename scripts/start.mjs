#!/usr/bin/env node
// `npm start`: the Studio as a desktop app. Builds, then opens Electron. Where
// Electron cannot start (no display, binary not downloadable), says why in
// one line and runs the browser shell instead (same UI, in any browser).
//   npm start -- [--project DIR] [--data-dir DIR] [--port N]
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { displayProblem, findElectronBinary } from "./electron-binary.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

function fallback(reason) {
  process.stderr.write(`Skeino Studio: Electron cannot start here (${reason}); starting the browser shell instead.\n`);
  const child = spawn(process.execPath, [join(root, "scripts", "studio-web.mjs"), ...args], { stdio: "inherit" });
  for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => child.kill(s));
  child.on("exit", (code) => process.exit(code ?? 1));
}

function electronBinary() {
  let found = findElectronBinary();
  if (found.path || found.reason.includes("not installed")) return found;
  // Try the electron package's own fetch once, bounded: offline machines fail fast.
  const fetched = spawnSync(process.execPath, [join(root, "node_modules", "electron", "install.js")], {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 120_000,
  });
  found = findElectronBinary();
  if (found.path) return found;
  const why = fetched.error?.message ?? fetched.stderr?.toString().trim().split("\n").pop() ?? "";
  return { reason: `its binary could not be fetched${why ? `: ${why}` : ""}` };
}

const noDisplay = displayProblem();
if (noDisplay) {
  fallback(noDisplay);
} else {
  const found = electronBinary();
  if (!found.path) {
    fallback(found.reason);
  } else {
    const built = spawnSync(process.execPath, [join(root, "node_modules", "electron-vite", "bin", "electron-vite.js"), "build"], {
      cwd: root,
      stdio: "inherit",
    });
    if (built.status !== 0) process.exit(built.status ?? 1);
    const startedAt = Date.now();
    const app = spawn(found.path, [join(root, "out", "main", "index.js"), ...args], { cwd: root, stdio: "inherit" });
    app.on("exit", (code, signal) => {
      // A crash within seconds of launch is Electron failing to start (missing libraries, sandbox), not the user quitting.
      if (code !== 0 && Date.now() - startedAt < 5_000) fallback(`Electron exited with ${signal ?? `code ${code}`} at launch`);
      else process.exit(code ?? 0);
    });
    for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => app.kill(s));
  }
}
