// Custom auth at run time: who is calling (authenticate, normalized as the
// reference normalizes it) and what they may do (the one most specific
// handler for an event). Handler failures become HTTP errors with a status a
// client can act on: a broken handler denies (401/403), it never answers 500
// and never lets a request through.
import { timingSafeEqual, createHash } from "node:crypto";
import { HttpError, forbidden, unauthorized } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { describeFilterProblem } from "./filter.ts";
import {
  AUTH_ACTIONS,
  STUDIO_USER,
  type AuthContext,
  type AuthEvent,
  type AuthFilter,
  type AuthHandlerCache,
  type AuthOptions,
  type AuthResource,
  type AuthorizeHandler,
} from "./types.ts";
import { ConfigError } from "../errors.ts";

/** The SDK's HTTPException (from any copy of the SDK): a status and headers. */
function asHttpException(error: unknown): { status: number; message: string; headers: Record<string, string> } | undefined {
  if (typeof error !== "object" || error === null || !("status" in error) || !("headers" in error)) return undefined;
  const { status, message, headers } = error as { status: unknown; message?: unknown; headers?: unknown };
  if (typeof status !== "number" || status < 400 || status > 599) return undefined;
  const flat: Record<string, string> = {};
  if (headers && typeof headers === "object") {
    if (headers instanceof Headers) headers.forEach((value, name) => (flat[name] = value));
    else for (const [name, value] of Object.entries(headers as Record<string, unknown>)) if (typeof value === "string") flat[name] = value;
  }
  return { status, message: typeof message === "string" ? message : "", headers: flat };
}

const typeName = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/** The keys `Auth.on(...)` accepts: "*", a resource, "resource:action", "*:action". */
function validKeys(): Set<string> {
  const keys = new Set<string>(["*"]);
  for (const [resource, actions] of Object.entries(AUTH_ACTIONS)) {
    keys.add(resource);
    for (const action of actions) {
      keys.add(`${resource}:${action}`);
      keys.add(`*:${action}`);
    }
  }
  return keys;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

export class CustomAuth {
  private readonly handlers: AuthHandlerCache;
  private readonly studioDigest?: Buffer;

  /**
   * Throws a ConfigError (a startup error) for an Auth object skeino cannot
   * enforce: no authenticate handler (every handler would be skipped) or a
   * handler registered under a key no event ever fires.
   */
  constructor(
    private readonly options: AuthOptions,
    private readonly log: Logger,
    /** The Studio's per-launch credential (settings.studioToken); ignored when disableStudioAuth. */
    studioToken?: string,
  ) {
    const source = options.source ?? "auth";
    this.handlers = options.handler["~handlerCache"];
    if (typeof this.handlers.authenticate !== "function") {
      throw new ConfigError(
        `${source}: the Auth object has no authenticate handler, so no request could be authorized. Add new Auth().authenticate(async (request) => ...)`,
      );
    }
    const keys = validKeys();
    for (const [key, handler] of Object.entries(this.handlers.callbacks ?? {})) {
      if (!keys.has(key)) {
        throw new ConfigError(
          `${source}: Auth.on(${JSON.stringify(key)}) names no event; use "*", a resource (${Object.keys(AUTH_ACTIONS).join(", ")}), "resource:action" or "*:action"`,
        );
      }
      if (typeof handler !== "function") throw new ConfigError(`${source}: the handler of Auth.on(${JSON.stringify(key)}) is not a function`);
    }
    if (studioToken && !options.disableStudioAuth) this.studioDigest = digest(studioToken);
  }

  /** "auth.disable_studio_auth": the Studio authenticates like any client. */
  get disablesStudioAuth(): boolean {
    return this.options.disableStudioAuth === true;
  }

  /** Whether `token` is this launch's Studio credential (compared in constant time). */
  isStudioToken(token: string | undefined): boolean {
    if (!this.studioDigest || !token) return false;
    return timingSafeEqual(digest(token), this.studioDigest);
  }

  studioContext(): AuthContext {
    return { user: { ...STUDIO_USER }, scopes: [] };
  }

  /** Runs the authenticate handler; the result is normalized, failures are 401s (or the handler's own status). */
  async authenticate(request: Request): Promise<AuthContext> {
    let response: unknown;
    try {
      response = await (this.handlers.authenticate as NonNullable<AuthHandlerCache["authenticate"]>)(request);
    } catch (error) {
      const http = asHttpException(error);
      if (http) throw new HttpError(http.status, http.message || "Unauthorized", undefined, { headers: http.headers });
      // A handler that let a verification library's error escape: the
      // credentials were not accepted. The cause goes to the log, not the client.
      this.log.error("the authenticate handler threw; answering 401", { error: error instanceof Error ? error.message : String(error) });
      throw unauthorized("Unauthorized");
    }
    if (typeof response === "string" && response !== "") {
      return { scopes: [], user: { identity: response, display_name: response, permissions: [], is_authenticated: true } };
    }
    if (typeof response === "object" && response !== null && typeof (response as { identity?: unknown }).identity === "string") {
      const raw = response as Record<string, unknown> & { identity: string };
      const scopes = Array.isArray(raw.permissions) ? raw.permissions.filter((p): p is string => typeof p === "string") : [];
      return {
        scopes,
        user: {
          ...raw,
          permissions: scopes,
          is_authenticated: typeof raw.is_authenticated === "boolean" ? raw.is_authenticated : true,
          display_name: typeof raw.display_name === "string" ? raw.display_name : raw.identity,
        },
      };
    }
    this.log.error("the authenticate handler returned neither a string nor an object with a string identity; answering 401", {
      got: typeName(response),
    });
    throw unauthorized("Unauthorized: the server's authenticate handler returned no identity");
  }

  private handlerFor(resource: AuthResource, action: string): AuthorizeHandler | undefined {
    const callbacks = this.handlers.callbacks;
    if (!callbacks) return undefined;
    for (const key of [`${resource}:${action}`, resource, `*:${action}`, "*"]) {
      const handler = callbacks[key];
      if (handler) return handler;
    }
    return undefined;
  }

  /**
   * Runs the most specific handler for `event` (resource:action > resource >
   * *:action > *). Returns the filter to apply, or undefined for "allowed, no
   * filter". `value` is handed to the handler as is: its mutations (an owner
   * stamped into metadata) are the caller's to persist.
   */
  async authorize(context: AuthContext | undefined, event: AuthEvent, value: Record<string, unknown>): Promise<AuthFilter | undefined> {
    if (!context) throw unauthorized("Unauthorized");
    const [resource, action] = event.split(":") as [AuthResource, string];
    const handler = this.handlerFor(resource, action);
    if (!handler) return undefined;
    let result: unknown;
    try {
      result = await handler({ event, resource, action, value, user: context.user, permissions: context.scopes });
    } catch (error) {
      const http = asHttpException(error);
      if (http) throw new HttpError(http.status, http.message, undefined, { headers: http.headers });
      this.log.error(`the ${event} auth handler threw; answering 403`, { error: error instanceof Error ? error.message : String(error) });
      throw forbidden("Forbidden");
    }
    if (result === undefined || result === null || result === true) return undefined;
    // The reference answers an empty 403 here; the SDK then shows "HTTP 403: ".
    if (result === false) throw forbidden("Forbidden");
    if (typeof result !== "object") {
      this.log.error(`the ${event} auth handler returned a ${typeName(result)}; answering 403`);
      throw forbidden(`Forbidden: the ${event} handler returned a ${typeName(result)} (expected a filter object, a boolean, null or undefined)`);
    }
    const problem = describeFilterProblem(result);
    if (problem) {
      this.log.error(`the ${event} auth handler returned an invalid filter; answering 403`, { problem });
      throw forbidden(`Forbidden: the ${event} handler returned an invalid filter: ${problem}`);
    }
    return Object.keys(result).length > 0 ? (result as AuthFilter) : undefined;
  }
}
