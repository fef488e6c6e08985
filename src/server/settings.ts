// SkeinoSettings: what a server is configured with, its defaults, validation
// and the SKEINO_* environment overrides.
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { ConfigError } from "./errors.ts";
import { FileClock, systemClock, type Clock } from "./clock.ts";

export type CheckpointerScheme = "memory" | "postgres";
export type LogLevel = "silent" | "error" | "warn" | "info" | "debug";

export interface CheckpointerOptions {
  /** Create (and migrate) the schema on startup. Default true. */
  setupSchema?: boolean;
  /** pg pool size. Default 10. */
  poolSize?: number;
  /** Default 10 000 ms. */
  connectionTimeoutMillis?: number;
  /** Keep retrying this long while PostgreSQL is not up yet (started together). Default 0 (SKEINO_POSTGRES_STARTUP_RETRY_MS). */
  startupRetryMillis?: number;
}

export type CustomCheckpointer = BaseCheckpointSaver | (() => Promise<BaseCheckpointSaver> | BaseCheckpointSaver);

export interface SkeinoSettings {
  checkpointerScheme?: CheckpointerScheme;
  checkpointerUri?: string;
  checkpointerOptions?: CheckpointerOptions;
  /** A checkpointer of your own (any BaseCheckpointSaver); metadata stays in memory. */
  checkpointer?: CustomCheckpointer;
  host?: string;
  port?: number;
  logLevel?: LogLevel;
  /** Runs executed at once by this process. Default 10. */
  workers?: number;
  /** Serve POST /internal/truncate (test suites only). Default false, or SKEINO_INTERNAL_TRUNCATE=1. */
  internalTruncate?: boolean;
  /** Max request body in bytes. Default 64 MiB. */
  bodyLimit?: number;
  /** Allowed CORS origins; default: loopback origins only. "*" allows any. */
  corsOrigins?: string[] | "*";
  /** Run time limit in seconds; a run past it ends with status "timeout". Default none. */
  runTimeoutSeconds?: number;
  /** Require this key in the x-api-key header (or SKEINO_API_KEY). Default: no auth (loopback use). */
  apiKey?: string;
  /** Several processes on one database: how often waits re-check runs (notifications are not durable). Default 500 ms. */
  pollIntervalMs?: number;
  /** How often a process settles runs of processes that died. Default 30 000 ms. */
  reaperIntervalMs?: number;
  /** SSE streams send a comment line after this long without an event, so clients and proxies see a live connection. Default 15 000 ms. */
  sseHeartbeatMs?: number;
  /** Per graph id: config and context of its system assistant (LANGGRAPH_CONFIG, as the reference reads it). */
  assistantDefaults?: Record<string, AssistantDefaults>;
  /**
   * With custom auth: a secret the Studio that spawned this server presents
   * (x-skeino-studio-token) to act as the Studio user, instead of a token of
   * the project's auth. Or SKEINO_STUDIO_TOKEN. At least 32 characters.
   */
  studioToken?: string;
  /** The time crons and TTLs go by. Default: the system clock (SKEINO_TEST_CLOCK_FILE: a file of epoch ms, for tests). */
  clock?: Clock;
  /** How often the cron scheduler looks for due crons. Default 1 000 ms (SKEINO_CRON_INTERVAL_MS). */
  cronIntervalMs?: number;
  /** Thread time-to-live defaults (langgraph.json "checkpointer.ttl"). */
  threadTtl?: ThreadTtlSettings;
  /** Store item time-to-live (langgraph.json "store.ttl"). */
  storeTtl?: StoreTtlSettings;
  /** How often the TTL sweeper runs. Default: the smaller sweep_interval_minutes, else 5 minutes (SKEINO_TTL_SWEEP_INTERVAL_MS). */
  ttlSweepIntervalMs?: number;
  /** A cron firing claimed by a process that died is fired by another after this long. Default 60 000 ms (SKEINO_CRON_CLAIM_TIMEOUT_MS). */
  cronClaimTimeoutMs?: number;
}

export interface ResolvedSettings {
  checkpointerScheme: CheckpointerScheme | "custom";
  checkpointerUri?: string;
  checkpointerOptions: Required<CheckpointerOptions>;
  checkpointer?: CustomCheckpointer;
  host: string;
  port: number;
  logLevel: LogLevel;
  workers: number;
  internalTruncate: boolean;
  bodyLimit: number;
  corsOrigins: string[] | "*";
  runTimeoutSeconds?: number;
  apiKey?: string;
  pollIntervalMs: number;
  reaperIntervalMs: number;
  sseHeartbeatMs: number;
  assistantDefaults: Record<string, AssistantDefaults>;
  studioToken?: string;
  clock: Clock;
  cronIntervalMs: number;
  threadTtl: ThreadTtlSettings;
  storeTtl: Required<Pick<StoreTtlSettings, "refreshOnRead">> & StoreTtlSettings;
  ttlSweepIntervalMs: number;
  cronClaimTimeoutMs: number;
}

export interface ThreadTtlSettings {
  /** What expiry does to a thread: delete it (default), or keep only its latest checkpoint. */
  strategy?: "delete" | "keep_latest";
  /** Minutes after its last update a thread without a ttl of its own expires. Default: never. */
  defaultTtlMinutes?: number;
  sweepIntervalMinutes?: number;
}

export interface StoreTtlSettings {
  /** Reads push an item's expiry forward by its ttl. Default true. */
  refreshOnRead?: boolean;
  /** Minutes an item written without a ttl lives. Default: forever. */
  defaultTtlMinutes?: number;
  sweepIntervalMinutes?: number;
}

export interface AssistantDefaults {
  config?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

const LOG_LEVELS: LogLevel[] = ["silent", "error", "warn", "info", "debug"];

function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  return ["1", "true", "yes", "on"].includes(value.toLowerCase());
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseLangGraphConfig(env: NodeJS.ProcessEnv): Record<string, AssistantDefaults> {
  const raw = env.LANGGRAPH_CONFIG;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('LANGGRAPH_CONFIG is not valid JSON: set it to {"<graph id>": {"configurable": {...}, "context": {...}}}');
  }
  if (!isRecord(parsed) || !Object.values(parsed).every(isRecord)) {
    throw new ConfigError('LANGGRAPH_CONFIG must map graph ids to objects: {"<graph id>": {"configurable": {...}}}');
  }
  const out: Record<string, AssistantDefaults> = {};
  for (const [graphId, value] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    const { context, ...config } = value;
    out[graphId] = { config, context: isRecord(context) ? context : undefined };
  }
  return out;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer (milliseconds), got ${String(value)}`);
  return value;
}

export function isPostgresUri(uri: string | undefined): boolean {
  return !!uri && /^postgres(ql)?:\/\//i.test(uri);
}

/** Applies defaults and SKEINO_* overrides; throws ConfigError with the fix for bad values. */
export function resolveSettings(settings: SkeinoSettings = {}, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const uri = settings.checkpointerUri ?? env.SKEINO_POSTGRES_URI ?? undefined;
  let scheme: ResolvedSettings["checkpointerScheme"] =
    settings.checkpointerScheme ?? (isPostgresUri(env.SKEINO_POSTGRES_URI) && !settings.checkpointerUri ? "postgres" : "memory");
  if (settings.checkpointer) {
    if (settings.checkpointerScheme === "postgres") {
      throw new ConfigError('settings.checkpointer and checkpointerScheme "postgres" exclude each other: pick one');
    }
    scheme = "custom";
  }
  if (scheme !== "memory" && scheme !== "postgres" && scheme !== "custom") {
    throw new ConfigError(`checkpointerScheme must be "memory" or "postgres", got ${JSON.stringify(scheme)}`);
  }
  if (scheme === "postgres" && !uri) {
    throw new ConfigError(
      'checkpointerScheme is "postgres" but no checkpointerUri is set: pass checkpointerUri (postgresql://user:password@host:5432/db) or set SKEINO_POSTGRES_URI',
    );
  }
  const logLevel = settings.logLevel ?? (env.SKEINO_LOG_LEVEL as LogLevel | undefined) ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(logLevel)}`);
  }
  const workers = settings.workers ?? (env.SKEINO_WORKERS ? Number(env.SKEINO_WORKERS) : 10);
  if (!Number.isInteger(workers) || workers < 1 || workers > 1000) {
    throw new ConfigError(`workers must be an integer between 1 and 1000, got ${String(workers)}`);
  }
  const port = settings.port ?? 2024;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`port must be an integer between 0 and 65535, got ${String(port)}`);
  }
  const corsEnv = env.SKEINO_CORS_ORIGINS;
  const studioToken = settings.studioToken ?? (env.SKEINO_STUDIO_TOKEN || undefined);
  // A short secret could be guessed; the Studio generates 32 random bytes.
  if (studioToken !== undefined && studioToken.length < 32) throw new ConfigError("studioToken (SKEINO_STUDIO_TOKEN) must be at least 32 characters");
  return {
    checkpointerScheme: scheme,
    checkpointerUri: scheme === "postgres" ? uri : undefined,
    checkpointerOptions: {
      setupSchema: settings.checkpointerOptions?.setupSchema ?? true,
      poolSize: settings.checkpointerOptions?.poolSize ?? 10,
      connectionTimeoutMillis: settings.checkpointerOptions?.connectionTimeoutMillis ?? 10_000,
      startupRetryMillis:
        settings.checkpointerOptions?.startupRetryMillis ?? (env.SKEINO_POSTGRES_STARTUP_RETRY_MS ? Number(env.SKEINO_POSTGRES_STARTUP_RETRY_MS) : 0),
    },
    checkpointer: settings.checkpointer,
    host: settings.host ?? "127.0.0.1",
    port,
    logLevel,
    workers,
    internalTruncate: settings.internalTruncate ?? envFlag(env.SKEINO_INTERNAL_TRUNCATE) ?? false,
    bodyLimit: settings.bodyLimit ?? 64 * 1024 * 1024,
    corsOrigins: settings.corsOrigins ?? (corsEnv ? (corsEnv === "*" ? "*" : corsEnv.split(",")) : []),
    runTimeoutSeconds: settings.runTimeoutSeconds ?? (env.SKEINO_RUN_TIMEOUT_SECONDS ? Number(env.SKEINO_RUN_TIMEOUT_SECONDS) : undefined),
    apiKey: settings.apiKey ?? (env.SKEINO_API_KEY || undefined),
    pollIntervalMs: positiveInt(
      "pollIntervalMs",
      settings.pollIntervalMs ?? (env.SKEINO_POLL_INTERVAL_MS ? Number(env.SKEINO_POLL_INTERVAL_MS) : 500),
    ),
    reaperIntervalMs: positiveInt(
      "reaperIntervalMs",
      settings.reaperIntervalMs ?? (env.SKEINO_REAPER_INTERVAL_MS ? Number(env.SKEINO_REAPER_INTERVAL_MS) : 30_000),
    ),
    sseHeartbeatMs: positiveInt(
      "sseHeartbeatMs",
      settings.sseHeartbeatMs ?? (env.SKEINO_SSE_HEARTBEAT_MS ? Number(env.SKEINO_SSE_HEARTBEAT_MS) : 15_000),
    ),
    assistantDefaults: settings.assistantDefaults ?? parseLangGraphConfig(env),
    studioToken,
    clock: settings.clock ?? (env.SKEINO_TEST_CLOCK_FILE ? new FileClock(env.SKEINO_TEST_CLOCK_FILE) : systemClock),
    cronIntervalMs: positiveInt(
      "cronIntervalMs",
      settings.cronIntervalMs ?? (env.SKEINO_CRON_INTERVAL_MS ? Number(env.SKEINO_CRON_INTERVAL_MS) : 1000),
    ),
    threadTtl: settings.threadTtl ?? {},
    storeTtl: { ...settings.storeTtl, refreshOnRead: settings.storeTtl?.refreshOnRead ?? true },
    ttlSweepIntervalMs: positiveInt(
      "ttlSweepIntervalMs",
      settings.ttlSweepIntervalMs ??
        (env.SKEINO_TTL_SWEEP_INTERVAL_MS
          ? Number(env.SKEINO_TTL_SWEEP_INTERVAL_MS)
          : Math.round(
              Math.min(settings.threadTtl?.sweepIntervalMinutes ?? Infinity, settings.storeTtl?.sweepIntervalMinutes ?? Infinity, 5) * 60_000,
            )),
    ),
    cronClaimTimeoutMs: positiveInt(
      "cronClaimTimeoutMs",
      settings.cronClaimTimeoutMs ?? (env.SKEINO_CRON_CLAIM_TIMEOUT_MS ? Number(env.SKEINO_CRON_CLAIM_TIMEOUT_MS) : 60_000),
    ),
  };
}
