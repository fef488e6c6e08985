#!/usr/bin/env node
// Type-checks every part: tsconfig.json (server, main, preload, shared, tests,
// e2e), tsconfig.web.json (renderer + shared, DOM only, no Node types) and
// the example project the Studio ships.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
let failed = false;
for (const project of ["tsconfig.json", "tsconfig.web.json", "resources/example/tsconfig.json"]) {
  const r = spawnSync(process.execPath, [tsc, "-p", project, "--noEmit"], { cwd: root, stdio: "inherit" });
  console.log(`${project}: ${r.status === 0 ? "ok" : "errors"}`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
