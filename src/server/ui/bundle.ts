// Generative UI: the components a langgraph.json "ui" entry names, bundled
// for the browser the way the SDK's LoadExternalComponent loads them. Each
// bundle is an IIFE exposing `__LGUI_<name>.render(component, shadowRootId)`;
// react, react-dom and the SDK stay external and are resolved at run time
// through `globalThis[Symbol.for("LGUI_REQUIRE")]`, which the SDK provides.
// CSS the components import is bundled as is; Tailwind directives are not
// compiled (its native compiler is not installable here).
import * as path from "node:path";
import { build, type Plugin } from "esbuild";
import { ConfigError } from "../errors.ts";

export interface UiDefinitions {
  /** Component set name -> file, relative to `cwd` (langgraph.json "ui"). */
  defs: Record<string, string>;
  /** The project directory (the manifest's). */
  cwd: string;
  /** More packages the page provides at run time (langgraph.json "ui_config.shared"). */
  shared?: string[];
  /** Where the definitions come from (the manifest's path), named in errors. */
  source?: string;
}

export interface UiFile {
  basename: string;
  contents: Uint8Array;
}

const ENTRY = "skeino-ui-entrypoint";
const ALWAYS_EXTERNAL = ["react", "react-dom", "@langchain/langgraph-sdk", "@langchain/langgraph-sdk/react-ui"];

/** The renderer each bundle exports: mounts a component into the shadow root the SDK prepared. */
const RENDERER = `
const EXT_STORE = Symbol.for("LGUI_EXT_STORE");
function createRenderer(components) {
  return (name, shadowRootId) => {
    const root = document.getElementById(shadowRootId)?.shadowRoot;
    if (!root) throw new Error("generative UI: no shadow root #" + shadowRootId);
    const mount = document.createElement("div");
    root.appendChild(mount);
    window[EXT_STORE].respond(shadowRootId, components[name], mount);
  };
}`;

export const uiGlobalName = (name: string) => `__LGUI_${name.replace(/[^a-zA-Z0-9]/g, "_")}`;

function entrypoint(file: string, cwd: string): Plugin {
  let relative = path.relative(cwd, file).split(path.sep).join("/");
  if (!relative.startsWith(".")) relative = `./${relative}`;
  return {
    name: "skeino-ui-entrypoint",
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${ENTRY}$`) }, () => ({ path: ENTRY, namespace: ENTRY }));
      b.onLoad({ filter: /.*/, namespace: ENTRY }, () => ({
        resolveDir: cwd,
        loader: "js",
        contents: `import components from ${JSON.stringify(relative)};\n${RENDERER}\nexport const render = createRenderer(components);\n`,
      }));
    },
  };
}

/** Bundles one component set; the error names the set and the file. */
export async function bundleUi(name: string, file: string, defs: UiDefinitions): Promise<UiFile[]> {
  const where = defs.source ? `${defs.source}: ` : "";
  const absolute = path.resolve(defs.cwd, file);
  if (path.relative(defs.cwd, absolute).startsWith("..")) {
    throw new ConfigError(`${where}"ui"."${name}": ${file} is outside the project directory ${defs.cwd}`);
  }
  let output;
  try {
    output = await build({
      entryPoints: { entrypoint: ENTRY },
      outdir: path.join(defs.cwd, ".skeino-ui"),
      write: false,
      bundle: true,
      platform: "browser",
      format: "iife",
      target: "es2020",
      jsx: "automatic",
      globalName: uiGlobalName(name),
      external: [...ALWAYS_EXTERNAL, ...(defs.shared ?? [])],
      plugins: [entrypoint(absolute, defs.cwd)],
      logLevel: "silent",
    });
  } catch (error) {
    const detail = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors
      // The generated entry module's location says nothing to the user.
      ?.map((e) => (e.location && !e.location.file.startsWith(ENTRY) ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
      .join("; ");
    throw new ConfigError(`${where}"ui"."${name}": could not bundle ${file}: ${detail || (error as Error).message}`);
  }
  const encoder = new TextEncoder();
  return output.outputFiles.map((out) => {
    const basename = path.basename(out.path);
    // esbuild's require shim for the externals: resolve them through the SDK's hook.
    const contents =
      basename === "entrypoint.js"
        ? encoder.encode(
            out.text.replaceAll(
              'typeof require !== "undefined" ? require',
              'typeof globalThis[Symbol.for("LGUI_REQUIRE")] !== "undefined" ? globalThis[Symbol.for("LGUI_REQUIRE")]',
            ),
          )
        : out.contents;
    return { basename, contents };
  });
}

export async function bundleAllUi(defs: UiDefinitions): Promise<Map<string, UiFile[]>> {
  const bundles = new Map<string, UiFile[]>();
  for (const [name, file] of Object.entries(defs.defs)) bundles.set(name, await bundleUi(name, file, defs));
  return bundles;
}
