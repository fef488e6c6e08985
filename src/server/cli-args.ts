// The CLI's commands, flags and help text, written once: parsing, --help and
// the messages for unknown flags and bad values all read the same table.
import { parseArgs } from "node:util";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import type { LogLevel } from "./settings.ts";

interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  value?: string;
  help: string;
}

const SERVE_FLAGS = {
  config: { type: "string", short: "c", value: "FILE", help: "langgraph.json, or its folder (default: ./langgraph.json)" },
  port: { type: "string", short: "p", value: "N", help: "port to listen on; 0 picks a free one (default: $SKEINO_PORT, $PORT or 2024)" },
  host: { type: "string", value: "HOST", help: "interface to bind (default: 127.0.0.1)" },
  "postgres-uri": { type: "string", value: "URI", help: "persist in PostgreSQL (default: $SKEINO_POSTGRES_URI, or store.uri of the manifest)" },
  workers: { type: "string", value: "N", help: "runs at once in this process (default: 10)" },
  "log-level": { type: "string", value: "LEVEL", help: "silent, error, warn, info or debug (default: info)" },
  help: { type: "boolean", short: "h", help: "show this help" },
} satisfies Record<string, FlagSpec>;

const DEV_FLAGS = {
  ...SERVE_FLAGS,
  "no-studio": { type: "boolean", help: "do not serve the Studio in the browser" },
  "studio-port": { type: "string", value: "N", help: "port of the Studio page (default: a free one)" },
} satisfies Record<string, FlagSpec>;

export const COMMANDS = {
  serve: { summary: "serve the graphs of a langgraph.json over the LangGraph Platform API", flags: SERVE_FLAGS },
  dev: { summary: "serve, reload graphs in place when their files change, and open the Studio", flags: DEV_FLAGS },
  "db migrate": {
    summary: "create or update skeino's PostgreSQL schema",
    flags: {
      uri: { type: "string", value: "URI", help: "postgresql://user:password@host:5432/db (default: $SKEINO_POSTGRES_URI)" },
      help: SERVE_FLAGS.help,
    },
  },
  "validate-checkpointer": {
    summary: "run LangGraph's checkpointer conformance tests against ./file.ts:factory",
    flags: { help: SERVE_FLAGS.help },
  },
} satisfies Record<string, { summary: string; flags: Record<string, FlagSpec> }>;

export type CommandName = keyof typeof COMMANDS;
type FlagsOf<C extends CommandName> = (typeof COMMANDS)[C]["flags"];
export type ParsedFlags<C extends CommandName> = {
  [K in keyof FlagsOf<C>]?: FlagsOf<C>[K] extends { type: "boolean" } ? boolean : string;
};

/** A command-line mistake: printed with the fix, exit code 2 as usual for usage errors. */
export class UsageError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: skeino <command> [flags]

commands:
${lines.join("\n")}

  skeino <command> --help   flags of one command
  skeino --version          the installed version`;
}

export function commandUsage(command: CommandName): string {
  const flags = Object.entries(COMMANDS[command].flags as Record<string, FlagSpec>);
  const label = ([name, f]: [string, FlagSpec]) => `${f.short ? `-${f.short}, ` : "    "}--${name}${f.value ? ` ${f.value}` : ""}`;
  const width = Math.max(...flags.map((f) => label(f).length));
  const positional = command === "validate-checkpointer" ? " ./file.ts:factory" : "";
  return `usage: skeino ${command}${positional} [flags]

${COMMANDS[command].summary}

flags:
${flags.map((f) => `  ${label(f).padEnd(width)}  ${f[1].help}`).join("\n")}`;
}

/** Edit distance, to suggest the flag a typo meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function suggestion(given: string, known: string[]): string {
  const bare = given.replace(/^-+/, "").split("=")[0] as string;
  const best = known.map((k) => ({ k, d: distance(bare, k) })).sort((x, y) => x.d - y.d)[0];
  // Two edits: a swapped pair of letters ("--prot") is two in this distance.
  return best && best.d <= (bare.length >= 4 ? 2 : 1) ? ` Did you mean --${best.k}?` : "";
}

export function parseCommandArgs<C extends CommandName>(command: C, args: string[]): { flags: ParsedFlags<C>; positionals: string[] } {
  const specs = COMMANDS[command].flags as Record<string, FlagSpec>;
  const options = Object.fromEntries(Object.entries(specs).map(([name, f]) => [name, { type: f.type, ...(f.short ? { short: f.short } : {}) }]));
  const known = Object.keys(specs);
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: command === "validate-checkpointer" });
    return { flags: values as ParsedFlags<C>, positionals };
  } catch (error) {
    const e = error as Error & { code?: string };
    const flag = /'([^']+)'/.exec(e.message)?.[1] ?? "";
    const help = `Run \`skeino ${command} --help\` for its flags.`;
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new UsageError(`unknown flag ${flag} for \`skeino ${command}\`.${suggestion(flag, known)} ${help}`);
    }
    if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const name = /--([\w-]+)/.exec(flag)?.[1] ?? flag;
      const spec = specs[name];
      if (spec?.type === "boolean") throw new UsageError(`--${name} takes no value; write --${name} alone. ${help}`);
      throw new UsageError(`--${name} needs a value: --${name} ${spec?.value ?? "VALUE"} (${spec?.help ?? ""}). ${help}`);
    }
    if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new UsageError(`unexpected argument ${flag} for \`skeino ${command}\`; flags start with --. ${help}`);
    }
    throw new UsageError(`${e.message} ${help}`);
  }
}

/** --port, else SKEINO_PORT or PORT, else 2024. */
export function portFlag(value: string | undefined, env: NodeJS.ProcessEnv, flag = "--port", fallback = 2024): number {
  const source = value !== undefined ? flag : env.SKEINO_PORT !== undefined ? "SKEINO_PORT" : env.PORT !== undefined ? "PORT" : undefined;
  const raw = value ?? env.SKEINO_PORT ?? env.PORT;
  if (raw === undefined || source === undefined) return fallback;
  const port = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${source} must be an integer between 0 and 65535 (0 picks a free port), got ${JSON.stringify(raw)}; e.g. ${flag} 2024`);
  }
  return port;
}

export function workersFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 1000) {
    throw new UsageError(`--workers must be an integer between 1 and 1000, got ${JSON.stringify(value)}; e.g. --workers 10`);
  }
  return workers;
}

const LOG_LEVELS: readonly LogLevel[] = ["silent", "error", "warn", "info", "debug"];

export function logLevelFlag(value: string | undefined): LogLevel | undefined {
  if (value === undefined) return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as LogLevel;
}

/** --config as a file or its folder; without it, ./langgraph.json. */
export function configFlag(value: string | undefined, cwd = process.cwd()): string {
  if (value === undefined) {
    const found = join(cwd, "langgraph.json");
    if (!existsSync(found)) {
      throw new UsageError(`no langgraph.json in ${cwd}. Run skeino in your project's folder, or pass --config path/to/langgraph.json`);
    }
    return found;
  }
  const path = resolve(cwd, value);
  if (existsSync(path) && statSync(path).isDirectory()) {
    const inside = join(path, "langgraph.json");
    if (!existsSync(inside)) throw new UsageError(`--config ${value} is a folder without a langgraph.json; pass the manifest's path`);
    return inside;
  }
  if (!existsSync(path)) throw new UsageError(`--config ${value}: no such file (looked for ${path}); pass the path of your langgraph.json`);
  return path;
}
