// Builds main, preload and renderer once per e2e run, so the specs test the
// current sources (the browser shell serves out/renderer).
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export default function globalSetup(): void {
  const root = join(import.meta.dirname, "..");
  execFileSync(process.execPath, [join(root, "node_modules", "electron-vite", "bin", "electron-vite.js"), "build"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
}
