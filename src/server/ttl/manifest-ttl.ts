// langgraph.json "checkpointer.ttl" and "store.ttl", as LangGraph Platform
// spells them (minutes), checked with errors naming the file and key.
import { ConfigError } from "../errors.ts";
import type { StoreTtlSettings, ThreadTtlSettings } from "../settings.ts";
import { MAX_TTL_MINUTES } from "./ttl-service.ts";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function minutes(file: string, key: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TTL_MINUTES) {
    throw new ConfigError(`${file}: "${key}" must be a positive number of minutes (at most ${MAX_TTL_MINUTES}), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseThreadTtl(file: string, raw: unknown): ThreadTtlSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw))
    throw new ConfigError(`${file}: "checkpointer.ttl" must be {"strategy": "delete", "default_ttl": minutes, "sweep_interval_minutes": minutes}`);
  const strategy = raw.strategy ?? "delete";
  if (strategy !== "delete" && strategy !== "keep_latest") {
    throw new ConfigError(`${file}: "checkpointer.ttl.strategy" must be "delete" or "keep_latest", got ${JSON.stringify(strategy)}`);
  }
  return {
    strategy,
    defaultTtlMinutes: minutes(file, "checkpointer.ttl.default_ttl", raw.default_ttl),
    sweepIntervalMinutes: minutes(file, "checkpointer.ttl.sweep_interval_minutes", raw.sweep_interval_minutes),
  };
}

export function parseStoreTtl(file: string, raw: unknown): StoreTtlSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw))
    throw new ConfigError(`${file}: "store.ttl" must be {"refresh_on_read": true, "default_ttl": minutes, "sweep_interval_minutes": minutes}`);
  if (raw.refresh_on_read !== undefined && typeof raw.refresh_on_read !== "boolean") {
    throw new ConfigError(`${file}: "store.ttl.refresh_on_read" must be true or false, got ${JSON.stringify(raw.refresh_on_read)}`);
  }
  return {
    refreshOnRead: raw.refresh_on_read as boolean | undefined,
    defaultTtlMinutes: minutes(file, "store.ttl.default_ttl", raw.default_ttl),
    sweepIntervalMinutes: minutes(file, "store.ttl.sweep_interval_minutes", raw.sweep_interval_minutes),
  };
}
