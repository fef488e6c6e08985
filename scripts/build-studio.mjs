#!/usr/bin/env node
// Builds the Studio's renderer into dist/studio for the published package, so
// `skeino dev` can serve the Studio without Electron or a build of its own.
// Runs on `prepack` only (npm pack / publish): this repo's `npm ci` and tests
// never need it (the e2e suite builds out/renderer with electron-vite).
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import react from "@vitejs/plugin-react";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = performance.now();
await build({
  configFile: false,
  root: join(root, "src", "renderer"),
  base: "./",
  plugins: [react()],
  logLevel: "warn",
  build: { outDir: join(root, "dist", "studio"), emptyOutDir: true, minify: true, chunkSizeWarningLimit: 800 },
});
process.stdout.write(`skeino build: dist/studio in ${Math.round(performance.now() - started)} ms\n`);
