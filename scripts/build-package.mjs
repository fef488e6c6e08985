#!/usr/bin/env node
// Builds the published package: src/server -> dist/server (JavaScript and
// declarations, with tsc and tsconfig.build.json), with the few plain-Node
// Studio modules `skeino dev` loads (dist/main, dist/shared). Runs on `prepare` (so this
// repo's `npm ci` and a git install produce dist/) and on `prepack`. The repo's
// own tests and dev flow run the TypeScript sources and never need dist/.
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const started = performance.now();

let tsc;
try {
  tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
} catch {
  // An install that omits dev dependencies cannot build; it gets the published dist/ instead.
  process.stderr.write("skeino build: typescript is not installed (dev dependencies omitted); skipping the build\n");
  process.exit(0);
}

// dist/studio is prepack's (build-studio.mjs), which npm runs before prepare: keep it.
for (const part of ["server", "main", "shared"]) rmSync(join(dist, part), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (result.status !== 0) {
  // tsc still emits on type errors. An install of this repo (npm ci) must not
  // fail on them: `npm run typecheck` and the tests report them. A package
  // being packed or published must.
  const installing = ["ci", "install"].includes(process.env.npm_command ?? "");
  process.stderr.write(`skeino build: tsc reported errors, see above${installing ? "; dist/ is built anyway for this install" : ""}\n`);
  if (!installing) process.exit(result.status ?? 1);
}

// tsc rewrites ".ts" specifiers in the JavaScript but keeps them in
// declarations; a user's project without allowImportingTsExtensions must not
// meet them, so point them at the emitted ".js" (which TypeScript maps to .d.ts).
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
for (const file of walk(dist)) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf-8");
  const fixed = text.replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.(m?)ts(["'])/g, "$1$2.$3js$4");
  if (fixed !== text) writeFileSync(file, fixed);
}

// `skeino validate-checkpointer` runs this spec with vitest, which reads TypeScript itself.
for (const name of ["checkpointer-validation.spec.ts", "checkpointer-validation.vitest.config.ts"]) {
  copyFileSync(join(root, "src", "server", name), join(dist, "server", name));
}
process.stdout.write(`skeino build: dist/ in ${Math.round(performance.now() - started)} ms\n`);
