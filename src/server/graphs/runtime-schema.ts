// JSON schemas of a graph: read at runtime where the graph carries them
// (zod / StateSchema graphs), else extracted from its TypeScript source with
// LangGraph's own schema parser (@langchain/langgraph-api/schema, loaded only
// when asked), else the bare channel names.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompiledGraph } from "./registry.ts";

export interface GraphSchemas {
  input_schema: unknown;
  output_schema: unknown;
  state_schema: unknown;
  config_schema: unknown;
  context_schema: unknown;
}

export interface GraphSource {
  sourceFile: string;
  exportSymbol: string;
}

interface ParsedSchema {
  state?: unknown;
  input?: unknown;
  output?: unknown;
  config?: unknown;
}

interface SchemaParser {
  getRuntimeGraphSchema(graph: unknown): Promise<ParsedSchema | undefined>;
  getStaticGraphSchema(spec: GraphSource, options?: { timeoutMs?: number }): Promise<Record<string, ParsedSchema>>;
  /** Several graphs in one parse: their entries under the same keys. */
  getStaticGraphSchema(specs: Record<string, GraphSource>, options?: { timeoutMs?: number }): Promise<Record<string, Record<string, ParsedSchema>>>;
}

let parser: Promise<SchemaParser | undefined> | undefined;
const loadParser = () =>
  (parser ??= import("@langchain/langgraph-api/schema").then(
    (m) => m as unknown as SchemaParser,
    () => undefined,
  ));

const staticCache = new Map<string, Promise<Record<string, ParsedSchema> | undefined>>();

/** Graph files changed (`skeino dev` reloaded them): extract their types again when asked. */
export function forgetStaticSchemas(): void {
  staticCache.clear();
}

const sourceKey = (source: GraphSource) => `${source.sourceFile}:${source.exportSymbol}`;
const parseOne = (source: GraphSource) => loadParser().then((p) => p?.getStaticGraphSchema(source, { timeoutMs: 30_000 }).catch(() => undefined));

function staticSchemas(source: GraphSource): Promise<Record<string, ParsedSchema> | undefined> {
  const key = sourceKey(source);
  let found = staticCache.get(key);
  if (!found) {
    found = parseOne(source);
    staticCache.set(key, found);
  }
  return found;
}

/**
 * Starts the static parse of `sources` now, all in one TypeScript program:
 * most of a parse is checking LangGraph's own types, so several graphs cost
 * about what one does. Requests arriving meanwhile wait for the batch instead of starting their own.
 */
export function prefetchStaticSchemas(sources: GraphSource[]): Promise<void> {
  const pending = sources.filter((s) => !staticCache.has(sourceKey(s)));
  if (pending.length === 0) return Promise.resolve();
  const batch = loadParser().then((p) =>
    p?.getStaticGraphSchema(Object.fromEntries(pending.map((s) => [sourceKey(s), s])), { timeoutMs: 60_000 }).catch(() => undefined),
  );
  for (const source of pending) {
    const key = sourceKey(source);
    const entry: Promise<Record<string, ParsedSchema> | undefined> = batch.then((all) => {
      if (all) return all[key];
      // The batch failed as a whole (a timeout): each graph is parsed alone when next asked.
      if (staticCache.get(key) === entry) staticCache.delete(key);
      return staticSchemas(source);
    });
    staticCache.set(key, entry);
  }
  return batch.then(() => undefined);
}

const toApi = (s: ParsedSchema): GraphSchemas => ({
  input_schema: s.input ?? null,
  output_schema: s.output ?? null,
  state_schema: s.state ?? null,
  config_schema: s.config ?? null,
  // JS cannot tell config and context schemas apart; the reference sends both.
  context_schema: s.config ?? null,
});

interface BuilderLike {
  _schemaDefinition?: Record<string, unknown>;
  _inputDefinition?: Record<string, unknown>;
  _outputDefinition?: Record<string, unknown>;
}

const keysOf = (def: unknown): string[] | undefined =>
  typeof def === "object" && def !== null ? Object.keys(def).filter((k) => !k.startsWith("__")) : undefined;

function objectSchema(title: string, keys: string[] | undefined): unknown {
  if (!keys) return null;
  return { $schema: "http://json-schema.org/draft-07/schema#", title, type: "object", properties: Object.fromEntries(keys.map((k) => [k, {}])) };
}

function channelSchemas(graph: CompiledGraph): GraphSchemas {
  const builder = (graph as unknown as { builder?: BuilderLike }).builder;
  const state = keysOf(builder?._schemaDefinition) ?? keysOf(graph.channels);
  return {
    input_schema: objectSchema("input", keysOf(builder?._inputDefinition) ?? state),
    output_schema: objectSchema("output", keysOf(builder?._outputDefinition) ?? state),
    state_schema: objectSchema("state", state),
    config_schema: null,
    context_schema: null,
  };
}

/**
 * The zod metadata registry (withLangGraph's jsonSchemaExtra) is module state
 * of the langgraph copy the graph was built with, which may not be ours: read
 * it through that copy's own "@langchain/langgraph/zod/schema".
 */
async function zodSchemasFromGraphCopy(graph: CompiledGraph, source: GraphSource): Promise<ParsedSchema | undefined> {
  const entry = resolvePackageExport(source.sourceFile, "@langchain/langgraph", "./zod/schema");
  if (!entry) return undefined;
  try {
    const mod = (await import(pathToFileURL(entry).href)) as Record<string, (g: unknown) => unknown>;
    const result: ParsedSchema = {
      state: mod.getUpdateTypeSchema?.(graph),
      input: mod.getInputTypeSchema?.(graph),
      output: mod.getOutputTypeSchema?.(graph),
      config: mod.getConfigTypeSchema?.(graph),
    };
    return Object.values(result).every((v) => v == null) ? undefined : result;
  } catch {
    return undefined;
  }
}

/** ESM resolution of `pkg` + `subpath` as seen from `fromFile` (node_modules walk + "exports"). */
function resolvePackageExport(fromFile: string, pkg: string, subpath: string): string | undefined {
  let dir = dirname(fromFile);
  for (;;) {
    const pkgDir = join(dir, "node_modules", pkg);
    const manifest = join(pkgDir, "package.json");
    if (existsSync(manifest)) {
      const exportsField = (JSON.parse(readFileSync(manifest, "utf-8")) as { exports?: Record<string, unknown> }).exports;
      let target: unknown = exportsField?.[subpath];
      while (target && typeof target === "object") {
        const conditions = target as Record<string, unknown>;
        target = conditions.import ?? conditions.default;
      }
      return typeof target === "string" ? join(pkgDir, target) : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const isZodSchema = (value: unknown) => typeof value === "object" && value !== null && ("_def" in value || "_zod" in value);

/** The schemas the graph object itself carries (zod / StateSchema), if any. */
async function runtimeSchemas(graph: CompiledGraph, source?: GraphSource): Promise<ParsedSchema | undefined> {
  const definition = (graph as unknown as { builder?: { _schemaRuntimeDefinition?: unknown } }).builder?._schemaRuntimeDefinition;
  if (source && isZodSchema(definition)) {
    const fromCopy = await zodSchemasFromGraphCopy(graph, source);
    if (fromCopy) return fromCopy;
  }
  const p = await loadParser();
  return p?.getRuntimeGraphSchema(graph).catch(() => undefined);
}

/** Whether `extractSchemas` on this graph would parse its source (it carries no schemas of its own). */
export async function needsStaticParse(graph: CompiledGraph, source: GraphSource): Promise<boolean> {
  return (await runtimeSchemas(graph, source)) === undefined;
}

/** `namespace` selects a subgraph's entry in the static parse ("root|ns"). */
export async function extractSchemas(graph: CompiledGraph, source?: GraphSource, namespace?: string): Promise<GraphSchemas> {
  const runtime = await runtimeSchemas(graph, source);
  if (runtime) return toApi(runtime);
  if (source) {
    const parsed = await staticSchemas(source);
    const root = parsed ? Object.keys(parsed).find((k) => !k.includes("|")) : undefined;
    if (parsed && root) return toApi((namespace && parsed[`${root}|${namespace}`]) || parsed[root]);
  }
  return channelSchemas(graph);
}
