// The skeino library: a LangGraph Platform compatible server for your graphs.
export { createApp } from "./app.ts";
export type { CreateAppOptions, SkeinoApp } from "./app.ts";
export { loadManifest } from "./manifest.ts";
export type { Manifest } from "./manifest.ts";
export { resolveSettings } from "./settings.ts";
export type { SkeinoSettings, ResolvedSettings, CheckpointerOptions, CheckpointerScheme, LogLevel, ThreadTtlSettings, StoreTtlSettings } from "./settings.ts";
export { ManualClock, FileClock, systemClock } from "./clock.ts";
export type { Clock } from "./clock.ts";
export type { GraphEntry, GraphBuilder, GraphFactory, CompiledGraph } from "./graphs/registry.ts";
export { systemAssistantId } from "./graphs/registry.ts";
export { HttpError, ConfigError } from "./errors.ts";
export type * from "./persistence/types.ts";
export type { Cron, CronFiring } from "./persistence/cron-store.ts";
