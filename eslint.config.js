// ESLint (flat config): JavaScript and typescript-eslint's recommended rules,
// formatting left to Prettier (eslint-config-prettier), and the architecture's
// import boundaries (DESIGN.md "Layout"): the server never imports the Studio,
// Electron or React; the renderer never imports Node or the server; main's
// plain-Node modules never import Electron.
import { builtinModules } from "node:module";
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

const react = ["react", "react-dom", "@tanstack/react-query", "@xyflow/react"];
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/** A no-restricted-imports rule from names (exact) and patterns (gitignore-style), each with why. */
const restrict = (why, { names = [], patterns = [] }) => [
  "error",
  { paths: names.map((name) => ({ name, message: why })), patterns: patterns.length ? [{ group: patterns, message: why }] : [] },
];

export default defineConfig(
  {
    ignores: [
      "**/node_modules/",
      "out/",
      "dist/",
      "test-results/",
      "playwright-report/",
      ".skeino-data/",
      "test/docs/.scratch-*/",
      "test/docs/.typecheck-*/",
      // Fails to compile on purpose: the generative UI test's broken component.
      "test/fixtures/generative-ui/src/broken.tsx",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_`-prefixed arguments and caught errors are placeholders a signature needs.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["src/renderer/**", "e2e/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Playwright reads a fixture's (or hook's) dependencies from its first
    // parameter's destructuring, so one that needs none must write `({}, use)`.
    files: ["e2e/**"],
    rules: { "no-empty-pattern": "off" },
  },
  {
    files: ["src/server/**"],
    rules: {
      "no-restricted-imports": restrict(
        "src/server is the library and CLI: it never imports the Studio (src/main, src/renderer, src/preload), Electron or React.",
        {
          names: ["electron", ...react],
          patterns: ["**/main/**", "**/renderer/**", "**/preload/**", "electron/*", "react/*", "react-dom/*"],
        },
      ),
    },
  },
  {
    // Issue #10's size rules: a server module over 300 lines says why at its
    // top (an eslint-disable with the reason); a route or service function
    // stays under 80 lines, so orchestration lives in named steps.
    files: ["src/server/**/*.ts"],
    rules: { "max-lines": ["error", { max: 300 }] },
  },
  {
    files: ["src/server/http/**/*.ts", "src/server/**/*-service.ts"],
    rules: { "max-lines-per-function": ["error", { max: 80 }] },
  },
  {
    files: ["src/renderer/**"],
    rules: {
      "no-restricted-imports": restrict(
        "The renderer runs in a browser page: no Node modules, no server code (talk to the server over HTTP, to the host through HostApi).",
        {
          names: [...nodeBuiltins, "electron"],
          patterns: ["**/server/**", "**/main/**", "electron/*"],
        },
      ),
    },
  },
  {
    // Plain-Node modules of main, reused by the browser shell and tests. The Electron glue is index.ts and ipc.ts.
    files: ["src/main/**"],
    ignores: ["src/main/index.ts", "src/main/ipc.ts"],
    rules: {
      "no-restricted-imports": restrict(
        "This module of src/main is plain Node (the browser shell and tests run it): Electron belongs in index.ts or ipc.ts.",
        {
          names: ["electron", ...react],
          patterns: ["**/renderer/**", "electron/*"],
        },
      ),
    },
  },
  {
    files: ["src/shared/**"],
    rules: {
      "no-restricted-imports": restrict("src/shared holds contracts only: types and constants every process can import.", {
        names: [...nodeBuiltins, "electron", ...react],
        patterns: ["**/server/**", "**/main/**", "**/renderer/**", "**/preload/**"],
      }),
    },
  },
);
