// langgraph.json: graphs as "./file.ts:export", an env file or object,
// ${VAR} / ${VAR:-default} expansion, store.uri selecting Postgres, and an
// optional custom checkpointer. Graph files load without a build step.
import { parseStoreTtl, parseThreadTtl } from "./ttl/manifest-ttl.ts";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, resolve, isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseDotenv } from "dotenv";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { ConfigError, ConfigErrors } from "./errors.ts";
import { describeEntryProblem, GRAPH_SOURCE, type GraphEntry, type GraphFactory } from "./graphs/registry.ts";
import { isPostgresUri, type SkeinoSettings } from "./settings.ts";
import type { UiDefinitions } from "./ui/bundle.ts";
import { isHonoLike, type HonoLike } from "./http/custom-app.ts";
import { isAuthLike, type AuthOptions } from "./auth/types.ts";

export interface Manifest {
  /** Absolute path of the manifest file. */
  path: string;
  graphs: Record<string, GraphEntry>;
  /** Settings the manifest implies (persistence, custom checkpointer). */
  settings: SkeinoSettings;
  /** Variables loaded from the manifest's env (already applied to process.env). */
  env: Record<string, string>;
  /** Absolute path of the env file, when "env" names one. */
  envFile?: string;
  /** Custom routes: "http": {"app": "./file.ts:app"} (a Hono app). */
  http?: { app: HonoLike };
  /** Generative UI: "ui": {"name": "./file.tsx"}, with "ui_config": {"shared": [...]}. */
  ui?: UiDefinitions;
  /** Custom auth: "auth": {"path": "./auth.ts:auth", "disable_studio_auth": false}. */
  auth?: AuthOptions;
}

interface RawManifest {
  graphs?: unknown;
  env?: unknown;
  store?: unknown;
  checkpointer?: unknown;
  [key: string]: unknown;
}

export interface ManifestLoadOptions {
  /**
   * Imports a graph, checkpointer or http module by absolute path. `skeino dev`
   * passes one that loads a fresh copy of the project's files on each reload.
   */
  importModule?: (absolutePath: string) => Promise<Record<string, unknown>>;
}

const importFresh = async (absolutePath: string) => (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;

const TS_LOADER_FLAG = Symbol.for("skeino.tsLoader");

/** Registers tsx's ESM loader once per process so .ts/.mts graph files import directly. */
export async function ensureTypeScriptLoader(): Promise<void> {
  const g = globalThis as Record<symbol, unknown>;
  if (g[TS_LOADER_FLAG]) return;
  g[TS_LOADER_FLAG] = true;
  const { register } = await import("tsx/esm/api");
  register();
}

export function markTypeScriptLoaderRegistered(): void {
  (globalThis as Record<symbol, unknown>)[TS_LOADER_FLAG] = true;
}

/** Expands ${VAR} and ${VAR:-default} in every string of a JSON value. */
export function expandVariables(value: unknown, env: NodeJS.ProcessEnv, file: string, key = ""): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(
        `${file}: "${key}" uses \${${name}}, which is not set. Set ${name} in the environment or the manifest's env file, or write \${${name}:-default}.`,
      );
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandVariables(v, env, file, `${key}[${i}]`));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, env, file, key ? `${key}.${k}` : k)]));
  }
  return value;
}

function splitSpec(spec: string, file: string, key: string): { modulePath: string; exportName: string } {
  const at = spec.lastIndexOf(":");
  if (at <= 0 || at === spec.length - 1) {
    throw new ConfigError(`${file}: "${key}" is ${JSON.stringify(spec)}; write it as "./path/to/file.ts:exportName"`);
  }
  return { modulePath: spec.slice(0, at), exportName: spec.slice(at + 1) };
}

async function importExport(spec: string, baseDir: string, file: string, key: string, load: ManifestLoadOptions = {}): Promise<unknown> {
  const { modulePath, exportName } = splitSpec(spec, file, key);
  const absolute = isAbsolute(modulePath) ? modulePath : resolve(baseDir, modulePath);
  if (!existsSync(absolute)) {
    throw new ConfigError(`${file}: "${key}" points to ${modulePath}, which does not exist (looked for ${absolute})`);
  }
  await ensureTypeScriptLoader();
  let mod: Record<string, unknown>;
  try {
    mod = await (load.importModule ?? importFresh)(absolute);
  } catch (error) {
    const failed = new ConfigError(`${file}: "${key}": loading ${modulePath} failed: ${(error as Error).message}`);
    failed.cause = error;
    throw failed;
  }
  if (!(exportName in mod)) {
    const available = Object.keys(mod).join(", ") || "none";
    throw new ConfigError(`${file}: "${key}": ${modulePath} has no export "${exportName}" (exports: ${available})`);
  }
  // Exports may be promises of graphs (the reference awaits them too).
  return await mod[exportName];
}

/**
 * "auth": {"path": "./auth.ts:export"} (export "default" when omitted),
 * "disable_studio_auth"; "openapi" and "cache" (LangGraph Platform's docs and
 * auth-cache settings) are accepted and ignored.
 */
async function loadAuth(raw: unknown, baseDir: string, file: string): Promise<AuthOptions | undefined> {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`${file}: "auth" must be an object such as {"path": "./src/auth.ts:auth"}`);
  const { path, disable_studio_auth: disableStudioAuth } = raw as { path?: unknown; disable_studio_auth?: unknown };
  if (disableStudioAuth !== undefined && typeof disableStudioAuth !== "boolean")
    throw new ConfigError(`${file}: "auth.disable_studio_auth" must be true or false`);
  // Without a path, the reference runs without auth: so does skeino.
  if (path === undefined || path === null || path === "") return undefined;
  if (typeof path !== "string") throw new ConfigError(`${file}: "auth.path" must be "./file.ts:export", e.g. "./src/auth.ts:auth"`);
  // The export follows the last ":" after the last path separator (so C:\... works); none means "default".
  const afterDir = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const colon = path.lastIndexOf(":");
  const spec = colon > afterDir && colon > 1 ? path : `${path}:default`;
  const exported = await importExport(spec, baseDir, file, "auth.path");
  if (!isAuthLike(exported)) {
    throw new ConfigError(
      `${file}: "auth.path": ${path} must export an Auth instance (new Auth() from "@langchain/langgraph-sdk/auth"), got ${exported === null ? "null" : typeof exported}`,
    );
  }
  return { handler: exported, disableStudioAuth: disableStudioAuth ?? false, source: `${file}: "auth.path" (${path})` };
}

async function loadEnv(raw: RawManifest, baseDir: string, file: string): Promise<Record<string, string>> {
  if (raw.env === undefined || raw.env === null) return {};
  if (typeof raw.env === "string") {
    const envPath = resolve(baseDir, raw.env);
    if (!existsSync(envPath)) throw new ConfigError(`${file}: "env" points to ${raw.env}, which does not exist (looked for ${envPath})`);
    return parseDotenv(await readFile(envPath, "utf-8"));
  }
  if (typeof raw.env === "object" && !Array.isArray(raw.env)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.env as Record<string, unknown>)) {
      if (typeof v !== "string") throw new ConfigError(`${file}: "env.${k}" must be a string`);
      out[k] = v;
    }
    return out;
  }
  throw new ConfigError(`${file}: "env" must be a path to a .env file or an object of strings`);
}

/**
 * Reads a langgraph.json. The manifest's env is applied to process.env
 * (existing variables win) before ${VAR} expansion and graph loading.
 */
export async function loadManifest(manifestPath: string, env: NodeJS.ProcessEnv = process.env, load: ManifestLoadOptions = {}): Promise<Manifest> {
  const file = resolve(manifestPath);
  if (!existsSync(file)) throw new ConfigError(`${manifestPath}: no such file. Pass the path of your langgraph.json with --config.`);
  const baseDir = dirname(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf-8"));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new ConfigError(`${file}: must contain a JSON object with a "graphs" key`);
  const rawUnexpanded = parsed as RawManifest;
  const loadedEnv = await loadEnv(rawUnexpanded, baseDir, file);
  for (const [k, v] of Object.entries(loadedEnv)) if (env[k] === undefined) env[k] = v;
  const raw = expandVariables({ ...rawUnexpanded, env: undefined }, env, file) as RawManifest;

  if (!raw.graphs || typeof raw.graphs !== "object" || Array.isArray(raw.graphs) || Object.keys(raw.graphs).length === 0) {
    throw new ConfigError(`${file}: "graphs" must map graph ids to "./file.ts:export", e.g. {"graphs": {"agent": "./src/agent.ts:graph"}}`);
  }
  const graphs: Record<string, GraphEntry> = {};
  // Every graph is tried, so a project with several broken files shows them all at once.
  const failures: ConfigError[] = [];
  for (const [graphId, value] of Object.entries(raw.graphs as Record<string, unknown>)) {
    try {
      const key = `graphs.${graphId}`;
      const spec = typeof value === "string" ? value : value && typeof value === "object" ? (value as { path?: unknown }).path : undefined;
      if (typeof spec !== "string") throw new ConfigError(`${file}: "${key}" must be "./file.ts:export" or {"path": "./file.ts:export"}`);
      const exported = await importExport(spec, baseDir, file, key, load);
      const problem = describeEntryProblem(exported);
      if (problem) throw new ConfigError(`${file}: "${key}": ${problem}`);
      // A function exported from a manifest is a LangGraph factory, called with each run's config.
      const entry = typeof exported === "function" ? ({ factory: exported } as GraphFactory) : (exported as GraphEntry);
      const { modulePath, exportName } = splitSpec(spec, file, key);
      Object.defineProperty(entry, GRAPH_SOURCE, {
        value: { sourceFile: isAbsolute(modulePath) ? modulePath : resolve(baseDir, modulePath), exportSymbol: exportName },
        enumerable: false,
        configurable: true,
      });
      graphs[graphId] = entry;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new ConfigErrors(failures);

  const settings: SkeinoSettings = {};
  if (raw.store !== undefined && raw.store !== null) {
    const uri = typeof raw.store === "object" ? (raw.store as { uri?: unknown }).uri : undefined;
    if (uri !== undefined && typeof uri !== "string") throw new ConfigError(`${file}: "store.uri" must be a string such as "\${POSTGRES_URI}"`);
    if (typeof uri === "string" && uri !== "") {
      if (!isPostgresUri(uri)) {
        throw new ConfigError(
          `${file}: "store.uri" must start with postgres:// or postgresql:// (got a value starting with ${JSON.stringify(uri.slice(0, 12))})`,
        );
      }
      settings.checkpointerScheme = "postgres";
      settings.checkpointerUri = uri;
    }
    settings.storeTtl = parseStoreTtl(file, (raw.store as { ttl?: unknown }).ttl);
  }
  if (raw.checkpointer !== undefined && raw.checkpointer !== null) {
    settings.threadTtl = parseThreadTtl(file, typeof raw.checkpointer === "object" ? (raw.checkpointer as { ttl?: unknown }).ttl : undefined);
  }
  const checkpointerPath =
    typeof raw.checkpointer === "object" && raw.checkpointer !== null ? (raw.checkpointer as { path?: unknown }).path : undefined;
  // "checkpointer": {"ttl": {...}} alone configures expiry, not a checkpointer of one's own.
  if (raw.checkpointer !== undefined && raw.checkpointer !== null && !(settings.threadTtl && checkpointerPath === undefined)) {
    const spec = checkpointerPath;
    if (typeof spec !== "string") throw new ConfigError(`${file}: "checkpointer" must be {"path": "./file.ts:factory"} and/or {"ttl": {...}}`);
    if (settings.checkpointerScheme === "postgres") {
      throw new ConfigError(`${file}: "checkpointer" and a postgres "store.uri" exclude each other: remove one`);
    }
    const factory = await importExport(spec, baseDir, file, "checkpointer.path", load);
    if (typeof factory !== "function" && !(factory && typeof factory === "object" && "getTuple" in factory)) {
      throw new ConfigError(`${file}: "checkpointer.path" must export a checkpointer or a function returning one`);
    }
    settings.checkpointer =
      typeof factory === "function" ? async () => (await (factory as () => unknown)()) as BaseCheckpointSaver : (factory as BaseCheckpointSaver);
  }
  let http: Manifest["http"];
  if (raw.http !== undefined && raw.http !== null) {
    const spec = typeof raw.http === "object" ? (raw.http as { app?: unknown }).app : undefined;
    if (spec !== undefined) {
      if (typeof spec !== "string") throw new ConfigError(`${file}: "http.app" must be "./file.ts:app" (a Hono app)`);
      const exported = await importExport(spec, baseDir, file, "http.app", load);
      if (!isHonoLike(exported)) throw new ConfigError(`${file}: "http.app": ${spec} must export a Hono app (new Hono())`);
      http = { app: exported };
    }
  }
  let ui: UiDefinitions | undefined;
  if (raw.ui !== undefined && raw.ui !== null) {
    if (typeof raw.ui !== "object" || Array.isArray(raw.ui))
      throw new ConfigError(`${file}: "ui" must map names to component files, e.g. {"agent": "./src/ui.tsx"}`);
    const defs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(raw.ui as Record<string, unknown>)) {
      if (typeof spec !== "string" || spec === "") throw new ConfigError(`${file}: "ui"."${name}" must be a file path such as "./src/ui.tsx"`);
      defs[name] = spec;
    }
    const config = raw.ui_config;
    const shared = config && typeof config === "object" ? (config as { shared?: unknown }).shared : undefined;
    if (shared !== undefined && !(Array.isArray(shared) && shared.every((x) => typeof x === "string"))) {
      throw new ConfigError(`${file}: "ui_config.shared" must be a list of package names`);
    }
    ui = { defs, cwd: baseDir, shared: shared as string[] | undefined, source: file };
  }
  const auth = await loadAuth(raw.auth, baseDir, `${file}`);
  const envFile = typeof rawUnexpanded.env === "string" ? resolve(baseDir, rawUnexpanded.env) : undefined;
  return { path: file, graphs, settings, env: loadedEnv, envFile, http, ui, auth };
}
