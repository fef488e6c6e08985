// The skeino library: a LangGraph Platform compatible server for your graphs.
export { createApp } from "./app.ts";
export type { CreateAppOptions, SkeinoApp } from "./app.ts";
export { loadManifest } from "./manifest.ts";
export type { Manifest } from "./manifest.ts";
export { resolveSettings } from "./settings.ts";
export type {
  SkeinoSettings,
  ResolvedSettings,
  CheckpointerOptions,
  CheckpointerScheme,
  LogLevel,
  ThreadTtlSettings,
  StoreTtlSettings,
} from "./settings.ts";
export { ManualClock, FileClock, systemClock } from "./clock.ts";
export type { Clock } from "./clock.ts";
export type { GraphEntry, GraphBuilder, GraphFactory, CompiledGraph } from "./graphs/registry.ts";
export { systemAssistantId } from "./graphs/registry.ts";
export { HttpError, BackendUnavailableError, ConfigError } from "./errors.ts";
export { describePostgresError, PostgresSetupError, redactUri, scrubSecrets, uriParts, validatePostgresUri, type UriParts } from "./postgres.ts";
export type * from "./persistence/types.ts";
export type { AuthOptions, AuthContext, AuthUser, AuthFilter, AuthEvent, AuthResource } from "./auth/types.ts";
export type { DevStatus, DevReloadError, SourceLocation } from "./dev/dev-status.ts";
export type { Cron, CronFiring } from "./persistence/cron-store.ts";
