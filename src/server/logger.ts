// A small leveled logger writing one JSON-ish line per event to stderr, so
// stdout stays for the CLI's machine-readable lines.
import type { LogLevel } from "./settings.ts";

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const at = ORDER[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] > at) return;
    const extra = fields && Object.keys(fields).length ? " " + JSON.stringify(fields) : "";
    write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${message}${extra}`);
  };
  return {
    error: (m, f) => emit("error", m, f),
    warn: (m, f) => emit("warn", m, f),
    info: (m, f) => emit("info", m, f),
    debug: (m, f) => emit("debug", m, f),
  };
}
