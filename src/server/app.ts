// createApp: settings -> persistence -> graph registry -> run engine -> routes.
import Fastify, { type FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { resolveSettings, type ResolvedSettings, type SkeinoSettings } from "./settings.ts";
import { createPersistence } from "./persistence/index.ts";
import { instrumentSaver } from "./persistence/instrumented-saver.ts";
import type { Persistence } from "./persistence/types.ts";
import { GraphRegistry, systemAssistantId, type GraphEntry } from "./graphs/registry.ts";
import { RunEngine } from "./runs/run-engine.ts";
import { RunService } from "./runs/run-service.ts";
import { ThreadService } from "./threads/thread-service.ts";
import { ThreadStateCache } from "./threads/state-cache.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { ServerContext } from "./http/context.ts";
import { frameworkErrorReply, installErrorHandler, plainClientError } from "./http/error-handler.ts";
import { installCors } from "./http/cors.ts";
import { installApiKeyAuth } from "./http/api-key.ts";
import { CustomAppFront, FORWARDED_HOST_HEADER, PROXY_SECRET_HEADER, type HonoLike } from "./http/custom-app.ts";
import { bundleAllUi, type UiDefinitions } from "./ui/bundle.ts";
import { uiRoutes } from "./http/ui-routes.ts";
import { metaRoutes } from "./http/meta-routes.ts";
import { assistantRoutes } from "./http/assistant-routes.ts";
import { threadRoutes } from "./http/thread-routes.ts";
import { runRoutes } from "./http/run-routes.ts";
import { cronRoutes } from "./http/cron-routes.ts";
import { CronService } from "./crons/cron-service.ts";
import { CronScheduler } from "./crons/cron-scheduler.ts";
import { TtlService } from "./ttl/ttl-service.ts";
import { TtlSweeper } from "./ttl/ttl-sweeper.ts";
import { storeRoutes } from "./http/store-routes.ts";
import { internalRoutes } from "./http/internal-routes.ts";
import { installOpenApi } from "./http/openapi.ts";
import { ProtocolService } from "./protocol/protocol-service.ts";
import { protocolRoutes } from "./protocol/routes.ts";
import { parseJsonBody } from "./http/json-body.ts";
import { installInputLimits } from "./http/input-limits.ts";
import { serializeJson } from "./serialize.ts";
import { CustomAuth } from "./auth/custom-auth.ts";
import type { AuthOptions } from "./auth/types.ts";
import { installAuthentication } from "./http/authenticate-hook.ts";
import { installSocketCredentials } from "./http/socket-credentials.ts";
import { SKEINO_VERSION as VERSION } from "./version.ts";
import type { DevStatus } from "./dev/dev-status.ts";

export interface CreateAppOptions {
  graphs: Record<string, GraphEntry>;
  settings?: SkeinoSettings;
  logger?: Logger;
  /** Custom routes: a Hono app mounted in front of the API (langgraph.json "http.app"). */
  http?: { app: HonoLike };
  /** Generative UI components to bundle and serve under /ui (langgraph.json "ui"). */
  ui?: UiDefinitions;
  /** Custom authentication and authorization (langgraph.json "auth"): an `Auth` from @langchain/langgraph-sdk/auth. */
  auth?: AuthOptions;
  /** `skeino dev`: its reload state, reported as "dev" on GET /info. */
  devStatus?: () => DevStatus;
}

const LOOPBACK_URL = Symbol.for("langgraph_api:url");

export interface SkeinoApp {
  /** Connects persistence, builds graphs, registers routes. Rejects with a clear error on bad settings. */
  ready(): Promise<void>;
  /** Resolves with the URL it listens on (port 0 picks a free port). */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** Stops taking runs, drains running ones, closes the server and persistence. Idempotent. */
  close(): Promise<void>;
  readonly settings: ResolvedSettings;
  /** Available after ready(). */
  readonly context: ServerContext;
  readonly fastify: FastifyInstance;
  /**
   * Replaces the graphs in place (`skeino dev`), keeping threads, runs and
   * checkpoints; new graph ids get their system assistant. Runs already
   * running finish on the graphs they started with. Rejects, changing
   * nothing, when a new graph cannot be built.
   */
  reloadGraphs(graphs: Record<string, GraphEntry>): Promise<{ added: string[]; removed: string[] }>;
}

// Graphs written for LangGraph Platform call getLogger() from
// @langchain/langgraph-sdk/logging, which reads this global.
const SDK_LOGGER = Symbol.for("langgraph.api.sdk-logger");

export function registerPlatformLogger(log: Logger): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[SDK_LOGGER]) return;
  const forward = (level: "error" | "warn" | "info" | "debug") => (message: unknown, fields?: Record<string, unknown>) =>
    log[level](typeof message === "string" ? message : JSON.stringify(message), fields);
  g[SDK_LOGGER] = {
    error: forward("error"),
    warn: forward("warn"),
    info: forward("info"),
    debug: forward("debug"),
    verbose: forward("debug"),
    silly: forward("debug"),
  };
}

export function createApp(options: CreateAppOptions): SkeinoApp {
  const settings = resolveSettings(options.settings);
  const log = options.logger ?? createLogger(settings.logLevel);
  registerPlatformLogger(log);
  const fastify = Fastify({
    logger: false,
    bodyLimit: settings.bodyLimit,
    frameworkErrors: frameworkErrorReply,
    clientErrorHandler: plainClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
  });
  let context: ServerContext | undefined;
  let persistence: Persistence | undefined;
  let readyPromise: Promise<void> | undefined;
  // An Auth skeino cannot enforce is a startup error, thrown here.
  const auth = options.auth ? new CustomAuth(options.auth, log, settings.studioToken) : undefined;
  const front = options.http
    ? new CustomAppFront(options.http.app, auth ? { handler: auth, studioToken: settings.studioToken } : undefined)
    : undefined;
  let closePromise: Promise<void> | undefined;
  let scheduler: CronScheduler | undefined;
  let sweeper: TtlSweeper | undefined;

  // Bodies: JSON, also when labelled text/plain (as the reference accepts);
  // an empty body is "no body" rather than an error.
  fastify.removeAllContentTypeParsers();
  const parseJson = (_req: unknown, body: string, done: (err: Error | null, value?: unknown) => void) => {
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(error as Error);
    }
  };
  fastify.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, parseJson);

  // Replies carry LangChain objects (messages in state): serialize them as
  // the reference does, not through their toJSON (the lc constructor form).
  fastify.setReplySerializer((payload) => serializeJson(payload));

  async function ensureSystemAssistants(store: Persistence, graphIds: string[]): Promise<void> {
    for (const graphId of graphIds) {
      const defaults = settings.assistantDefaults[graphId] ?? {};
      await store.metadata.assistants.create({
        assistant_id: systemAssistantId(graphId),
        graph_id: graphId,
        name: graphId,
        metadata: { created_by: "system" },
        config: defaults.config ?? {},
        context: defaults.context ?? {},
        if_exists: "do_nothing",
      });
    }
  }

  async function boot(): Promise<void> {
    persistence = await createPersistence(settings);
    try {
      const registry = new GraphRegistry(options.graphs, persistence.checkpointer, persistence.store);
      await registry.init();
      const uiBundles = options.ui && Object.keys(options.ui.defs).length > 0 ? await bundleAllUi(options.ui) : undefined;
      await ensureSystemAssistants(persistence, registry.ids());
      const settled = await persistence.metadata.runs.settleOrphaned("server stopped while the run was in progress");
      if (settled.length) log.warn("settled runs left running by a previous process", { runs: settled.map((r) => r.run_id) });
      const engine = new RunEngine(persistence, registry, log, {
        workers: settings.workers,
        runTimeoutSeconds: settings.runTimeoutSeconds,
        pollIntervalMs: settings.pollIntervalMs,
        reaperIntervalMs: settings.reaperIntervalMs,
      });
      const runs = new RunService(persistence, registry, engine);
      // One process owns memory and custom backends: their latest states can be cached.
      const cache = persistence.bus ? undefined : new ThreadStateCache();
      if (cache) {
        instrumentSaver(persistence.checkpointer).setInvalidate((threadId) => cache.invalidate(threadId));
        cache.watchAdmin(persistence.checkpoints);
      }
      const threads = new ThreadService(persistence, registry, engine, cache);
      const protocol = new ProtocolService({ persistence, runs, threads, engine, log, auth }, { pollIntervalMs: settings.pollIntervalMs });
      const crons = new CronService(persistence.crons, persistence.metadata, runs, settings.clock, auth);
      scheduler = new CronScheduler(persistence.crons, crons, settings.clock, log, {
        workerId: engine.workerId,
        intervalMs: settings.cronIntervalMs,
        claimTimeoutMs: settings.cronClaimTimeoutMs,
      });
      const ttl = new TtlService(persistence, settings, threads);
      sweeper = new TtlSweeper(persistence, ttl, log, { intervalMs: settings.ttlSweepIntervalMs });
      context = {
        persistence,
        registry,
        engine,
        runs,
        threads,
        protocol,
        crons,
        ttl,
        sweeper,
        settings,
        log,
        bootId: randomUUID(),
        startedAt: new Date(),
        version: VERSION,
        auth,
        devStatus: options.devStatus,
      };
      const backend = persistence;
      installErrorHandler(fastify, log, (error) => backend.explainError?.(error));
      installInputLimits(fastify);
      if (front) {
        // Behind the custom app, the API answers only the front's proxy.
        fastify.addHook("onRequest", async (request, reply) => {
          if (request.headers[PROXY_SECRET_HEADER] !== front.secret) {
            await reply.status(403).type("text/plain; charset=utf-8").send("Forbidden");
            return;
          }
          // The front is trusted (it holds the secret): routes see the Host the client used.
          const forwarded = request.headers[FORWARDED_HOST_HEADER];
          if (typeof forwarded === "string") request.headers.host = forwarded;
        });
      }
      installCors(fastify, settings.corsOrigins);
      installSocketCredentials(fastify);
      if (settings.apiKey) installApiKeyAuth(fastify, settings.apiKey);
      if (auth) installAuthentication(fastify, auth, { behindFront: front !== undefined });
      const ctx = context;
      await installOpenApi(fastify, VERSION);
      await fastify.register(async (instance) => {
        await metaRoutes(instance, ctx);
        await assistantRoutes(instance, ctx);
        await threadRoutes(instance, ctx);
        await runRoutes(instance, ctx);
        await protocolRoutes(instance, ctx, ctx.protocol);
        await cronRoutes(instance, ctx);
        await storeRoutes(instance, ctx);
        if (uiBundles) await uiRoutes(instance, uiBundles);
        if (settings.internalTruncate) await internalRoutes(instance, ctx);
      });
      await fastify.ready();
      engine.start();
      scheduler.start();
      sweeper.start();
    } catch (error) {
      await persistence.close().catch(() => undefined);
      throw error;
    }
  }

  const app: SkeinoApp = {
    settings,
    fastify,
    get context(): ServerContext {
      if (!context) throw new Error("skeino: call ready() (or listen()) first");
      return context;
    },
    ready() {
      readyPromise ??= boot();
      return readyPromise;
    },
    async listen(opts = {}) {
      await app.ready();
      const port = opts.port ?? settings.port;
      const host = opts.host ?? settings.host;
      let url: string;
      if (front) {
        const api = await fastify.listen({ port: 0, host: "127.0.0.1" });
        url = await front.listen(port, host, api);
      } else {
        url = await fastify.listen({ port, host });
      }
      // `new Client()` without a URL inside a graph or custom route reaches this server.
      const g = globalThis as Record<symbol, unknown>;
      g[LOOPBACK_URL] ??= url;
      app.context.engine.publicUrl = url;
      return url;
    },
    async reloadGraphs(graphs) {
      const ctx = app.context;
      const change = await ctx.registry.replace(graphs);
      await ensureSystemAssistants(ctx.persistence, change.added);
      return change;
    },
    close() {
      closePromise ??= (async () => {
        if (readyPromise) await readyPromise.catch(() => undefined);
        await scheduler?.stop();
        await sweeper?.stop();
        if (context) await context.engine.stop();
        context?.protocol.close();
        await front?.close();
        // Streams still open (a client that never hangs up) must not hold the shutdown.
        await Promise.race([fastify.close(), new Promise((r) => setTimeout(r, 5_000).unref())]);
        // A connection stuck in a query after a database outage must not either.
        if (persistence) await Promise.race([persistence.close(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      })();
      return closePromise;
    },
  };
  return app;
}
