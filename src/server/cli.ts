// The skeino CLI: parses flags, builds the app from a manifest, listens,
// and closes gracefully on SIGINT/SIGTERM. Everything else lives in the library.
import { sep } from "node:path";
import { CONFIG_ERROR_EXIT_CODE, ConfigError, ConfigErrors } from "./errors.ts";
import { loadManifest, markTypeScriptLoaderRegistered, type Manifest, type ManifestLoadOptions } from "./manifest.ts";
import { createApp, registerPlatformLogger, type CreateAppOptions, type SkeinoApp } from "./app.ts";
import { createLogger } from "./logger.ts";
import type { SkeinoSettings } from "./settings.ts";
import { SKEINO_VERSION } from "./version.ts";
import { prefetchGraphSchemas } from "./graphs/introspection.ts";
import {
  COMMANDS,
  commandUsage,
  configFlag,
  logLevelFlag,
  parseCommandArgs,
  portFlag,
  usage,
  UsageError,
  workersFlag,
  type CommandName,
  type ParsedFlags,
} from "./cli-args.ts";

function fail(message: string, code = 1): number {
  process.stderr.write(`skeino: ${message}\n`);
  return code;
}

export async function main(argv: string[]): Promise<number> {
  markTypeScriptLoaderRegistered();
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(usage() + "\n");
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    process.stdout.write(`skeino ${SKEINO_VERSION}\n`);
    return 0;
  }
  const command: CommandName | undefined =
    first === "db" && rest[0] === "migrate" ? "db migrate" : first in COMMANDS && first !== "db migrate" ? (first as CommandName) : undefined;
  if (!command) {
    const hint = first.startsWith("-") ? "a command comes first, e.g. `skeino serve --port 2024`" : `commands: ${Object.keys(COMMANDS).join(", ")}`;
    return fail(`unknown command ${JSON.stringify(first)}; ${hint}. Run \`skeino --help\`.`, 2);
  }
  const args = command === "db migrate" ? rest.slice(1) : rest;
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(commandUsage(command) + "\n");
    return 0;
  }
  try {
    if (command === "serve") return await serve(parseCommandArgs("serve", args).flags);
    if (command === "dev") {
      const { runDev } = await import("./dev/dev-command.ts");
      return await runDev(parseCommandArgs("dev", args).flags);
    }
    if (command === "db migrate") return await migrate(parseCommandArgs("db migrate", args).flags);
    return await validateCheckpointer(parseCommandArgs("validate-checkpointer", args).positionals);
  } catch (error) {
    if (error instanceof UsageError) return fail(error.message, 2);
    // One "skeino:" line (and its "at" line) per error, so the Studio lists each broken graph.
    for (const each of error instanceof ConfigErrors ? error.errors : [error]) {
      fail(each instanceof Error ? each.message : String(each));
      await printLocation(each);
    }
    return error instanceof ConfigError ? CONFIG_ERROR_EXIT_CODE : 1;
  }
}

/**
 * "skeino: at /project/src/agent.ts:2:10" after an error thrown from the
 * user's code: the Studio shows it beside the message, and a stack is not
 * printed otherwise. Loaded only on failure, so a good start does not pay for it.
 */
async function printLocation(error: unknown): Promise<void> {
  if (!(error instanceof Error) || error.cause === undefined) return;
  const { locateError } = await import("./dev/graph-reloader.ts");
  // The cause is the user's error; the wrapper's own stack points into skeino.
  const where = locateError(error.cause, sep);
  if (where) process.stderr.write(`skeino: at ${where.file}:${where.line}${where.column ? `:${where.column}` : ""}\n`);
}

/** Resolves once SIGINT or SIGTERM asks us to stop; a second signal exits at once. */
export function stopSignal(): Promise<string> {
  let stopping = false;
  return new Promise((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`skeino: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`skeino: ${signal} received, draining runs and closing\n`);
      resolveStop(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export interface StartedServer {
  app: SkeinoApp;
  manifest: Manifest;
  url: string;
}

/** serve and dev: flags -> manifest -> app, listening; prints the two ready lines. */
export async function startFromFlags(
  values: ParsedFlags<"serve">,
  load: ManifestLoadOptions = {},
  extra: Pick<CreateAppOptions, "devStatus"> = {},
): Promise<StartedServer> {
  const port = portFlag(values.port, process.env);
  const host = values.host ?? "127.0.0.1";
  const workers = workersFlag(values.workers);
  const logLevel = logLevelFlag(values["log-level"]);
  const config = configFlag(values.config);

  // The Studio's credential is for this process alone: graph code (imported
  // next) and anything it spawns must not find it in the environment.
  const studioToken = process.env.SKEINO_STUDIO_TOKEN || undefined;
  delete process.env.SKEINO_STUDIO_TOKEN;
  // Graph modules may read the platform logger at import time.
  registerPlatformLogger(createLogger(logLevel ?? "info"));
  const manifest = await loadManifest(config, process.env, load);
  const postgresUri = values["postgres-uri"] ?? process.env.SKEINO_POSTGRES_URI;
  const settings: SkeinoSettings = {
    ...manifest.settings,
    ...(postgresUri ? { checkpointerScheme: "postgres", checkpointerUri: postgresUri, checkpointer: undefined } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(logLevel ? { logLevel } : {}),
    host,
    port,
    ...(studioToken ? { studioToken } : {}),
  };
  const app = createApp({ graphs: manifest.graphs, settings, http: manifest.http, ui: manifest.ui, auth: manifest.auth, ...extra });
  if (!(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "localhost" || host === "::1")) {
    process.stderr.write(
      `skeino: warning: listening on ${host}, reachable beyond this machine${app.settings.apiKey ? "" : "; set SKEINO_API_KEY to require an x-api-key header"}\n`,
    );
  }
  const url = await app.listen({ port, host });
  const shown = `http://${host.includes(":") ? `[${host}]` : host}:${new URL(url).port}`;
  process.stdout.write(`skeino listening on ${shown}\n`);
  process.stdout.write(`persistence: ${app.settings.checkpointerScheme}; graphs: ${app.context.registry.ids().join(", ")}\n`);
  // After listening, so it never delays readiness; SKEINO_SCHEMA_PREFETCH=0 leaves
  // it to the first request (test suites that start many short-lived servers).
  if (process.env.SKEINO_SCHEMA_PREFETCH !== "0") void prefetchGraphSchemas(app.context.registry).catch(() => undefined);
  return { app, manifest, url: shown };
}

export async function closeApp(app: SkeinoApp): Promise<void> {
  await app.close().catch((error: unknown) => {
    process.stderr.write(`skeino: error while closing: ${(error as Error).message}\n`);
  });
}

async function serve(values: ParsedFlags<"serve">): Promise<number> {
  // Signal handlers first: a supervisor may stop us while we are still booting.
  const stopRequested = stopSignal();
  const { app } = await startFromFlags(values);
  await stopRequested;
  await closeApp(app);
  return 0;
}

async function migrate(values: ParsedFlags<"db migrate">): Promise<number> {
  const uri = values.uri ?? process.env.SKEINO_POSTGRES_URI;
  if (!uri) throw new UsageError("db migrate needs --uri postgresql://user:password@host:5432/db");
  const { createPostgresPersistence } = await import("./persistence/postgres/index.ts");
  const persistence = await createPostgresPersistence({ uri, setupSchema: true });
  await persistence.close();
  process.stdout.write("skeino: database schema is up to date\n");
  return 0;
}

async function validateCheckpointer(positionals: string[]): Promise<number> {
  const spec = positionals[0];
  if (!spec) throw new UsageError("validate-checkpointer needs ./file.ts:factory, e.g. skeino validate-checkpointer ./src/saver.ts:createSaver");
  const { runCheckpointerValidation } = await import("./checkpointer-validation.ts");
  return runCheckpointerValidation(spec);
}
