// The skeino CLI: parses flags, builds the app from a manifest, listens,
// and closes gracefully on SIGINT/SIGTERM. Everything else lives in the library.
import { parseArgs } from "node:util";
import { ConfigError } from "./errors.ts";
import { loadManifest, markTypeScriptLoaderRegistered } from "./manifest.ts";
import { createApp, registerPlatformLogger } from "./app.ts";
import { createLogger } from "./logger.ts";
import type { SkeinoSettings, LogLevel } from "./settings.ts";

const USAGE = `usage:
  skeino serve --config langgraph.json [--port 2024] [--host 127.0.0.1]
               [--postgres-uri URI] [--workers N] [--log-level info]
  skeino db migrate --uri postgresql://user:password@host:5432/db
  skeino validate-checkpointer ./file.ts:factory`;

function fail(message: string): number {
  process.stderr.write(`skeino: ${message}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  markTypeScriptLoaderRegistered();
  const [command, ...rest] = argv;
  try {
    if (command === "serve") return await serve(rest);
    if (command === "db" && rest[0] === "migrate") return await migrate(rest.slice(1));
    if (command === "validate-checkpointer") return await validateCheckpointer(rest);
    if (command === "--help" || command === "-h" || command === "help") {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    return fail(`unknown command ${JSON.stringify(command ?? "")}\n${USAGE}`);
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof Error && error.name !== "Error")) return fail(error.message);
    return fail(error instanceof Error ? error.message : String(error));
  }
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      "postgres-uri": { type: "string" },
      workers: { type: "string" },
      "log-level": { type: "string" },
    },
    strict: true,
  });
  if (!values.config) return fail(`--config is required\n${USAGE}`);
  // Signal handlers first: a supervisor may stop us while we are still booting.
  let stopping = false;
  const stopRequested = new Promise<void>((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`skeino: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`skeino: ${signal} received, draining runs and closing\n`);
      resolveStop();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  const port = values.port === undefined ? 2024 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`--port must be an integer between 0 and 65535, got ${values.port}`);
  const host = values.host ?? "127.0.0.1";

  // The Studio's credential is for this process alone: graph code (imported
  // next) and anything it spawns must not find it in the environment.
  const studioToken = process.env.SKEINO_STUDIO_TOKEN || undefined;
  delete process.env.SKEINO_STUDIO_TOKEN;
  // Graph modules may read the platform logger at import time.
  registerPlatformLogger(createLogger((values["log-level"] as LogLevel | undefined) ?? "info"));
  const manifest = await loadManifest(values.config);
  const postgresUri = values["postgres-uri"] ?? process.env.SKEINO_POSTGRES_URI;
  const settings: SkeinoSettings = {
    ...manifest.settings,
    ...(postgresUri ? { checkpointerScheme: "postgres", checkpointerUri: postgresUri, checkpointer: undefined } : {}),
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    ...(values["log-level"] ? { logLevel: values["log-level"] as LogLevel } : {}),
    host,
    port,
    ...(studioToken ? { studioToken } : {}),
  };
  const app = createApp({ graphs: manifest.graphs, settings, http: manifest.http, ui: manifest.ui, auth: manifest.auth });
  if (!(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "localhost" || host === "::1")) {
    process.stderr.write(
      `skeino: warning: listening on ${host}, reachable beyond this machine${app.settings.apiKey ? "" : "; set SKEINO_API_KEY to require an x-api-key header"}\n`,
    );
  }
  const url = await app.listen({ port, host });
  const shown = new URL(url);
  process.stdout.write(`skeino listening on http://${host.includes(":") ? `[${host}]` : host}:${shown.port}\n`);
  process.stdout.write(`persistence: ${app.settings.checkpointerScheme}; graphs: ${app.context.registry.ids().join(", ")}\n`);

  await stopRequested;
  await app.close().catch((error: unknown) => {
    process.stderr.write(`skeino: error while closing: ${(error as Error).message}\n`);
  });
  return 0;
}

async function migrate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { uri: { type: "string" } }, strict: true });
  const uri = values.uri ?? process.env.SKEINO_POSTGRES_URI;
  if (!uri) return fail("db migrate needs --uri postgresql://user:password@host:5432/db");
  const { createPostgresPersistence } = await import("./persistence/postgres/index.ts");
  const persistence = await createPostgresPersistence({ uri, setupSchema: true });
  await persistence.close();
  process.stdout.write("skeino: database schema is up to date\n");
  return 0;
}

async function validateCheckpointer(args: string[]): Promise<number> {
  const spec = args[0];
  if (!spec) return fail("validate-checkpointer needs ./file.ts:factory");
  const { runCheckpointerValidation } = await import("./checkpointer-validation.ts");
  return runCheckpointerValidation(spec);
}
