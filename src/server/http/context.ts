// What every route plugin gets: the services of one server instance.
import type { Persistence } from "../persistence/types.ts";
import type { GraphRegistry } from "../graphs/registry.ts";
import type { RunEngine } from "../runs/run-engine.ts";
import type { RunService } from "../runs/run-service.ts";
import type { ThreadService } from "../threads/thread-service.ts";
import type { ResolvedSettings } from "../settings.ts";
import type { Logger } from "../logger.ts";
import type { CustomAuth } from "../auth/custom-auth.ts";
import type { DevStatus } from "../dev/dev-status.ts";
import type { ProtocolService } from "../protocol/protocol-service.ts";
import type { CronService } from "../crons/cron-service.ts";
import type { TtlService } from "../ttl/ttl-service.ts";
import type { TtlSweeper } from "../ttl/ttl-sweeper.ts";

export interface ServerContext {
  persistence: Persistence;
  registry: GraphRegistry;
  engine: RunEngine;
  runs: RunService;
  threads: ThreadService;
  /** The streaming protocol (v2): thread event logs, commands, streams. */
  protocol: ProtocolService;
  crons: CronService;
  ttl: TtlService;
  sweeper: TtlSweeper;
  settings: ResolvedSettings;
  log: Logger;
  bootId: string;
  startedAt: Date;
  version: string;
  /** The project's custom auth; undefined when it has none (every caller may do everything). */
  auth?: CustomAuth;
  /** Set under `skeino dev`: graph reloads, reported on /info. */
  devStatus?: () => DevStatus;
}
