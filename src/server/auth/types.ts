// The shapes of custom auth (LangGraph's `Auth` from @langchain/langgraph-sdk/auth):
// resources and their actions (written once; the event names derive from
// them), the normalized user, and the handler table an Auth object carries.

/** Every resource and the actions its handlers see. */
export const AUTH_ACTIONS = {
  threads: ["create", "read", "update", "delete", "search", "create_run"],
  assistants: ["create", "read", "update", "delete", "search"],
  // Authorized in CronService (the one place crons are read and written).
  crons: ["create", "read", "update", "delete", "search"],
  store: ["put", "get", "search", "list_namespaces", "delete"],
} as const;

export type AuthResource = keyof typeof AUTH_ACTIONS;
export type AuthAction<R extends AuthResource = AuthResource> = (typeof AUTH_ACTIONS)[R][number];
export type AuthEvent = { [R in AuthResource]: `${R}:${AuthAction<R>}` }[AuthResource];

/** The caller as handlers and graphs see it, after normalization (reference: auth/index.mts). */
export interface AuthUser {
  identity: string;
  permissions: string[];
  display_name: string;
  is_authenticated: boolean;
  [key: string]: unknown;
}

export interface AuthContext {
  user: AuthUser;
  /** The user's permissions, as handlers receive them (`permissions`). */
  scopes: string[];
}

/** A filter a handler returns: `{key: value}`, `{key: {$eq: v}}`, `{key: {$contains: v | v[]}}`. */
export type AuthFilterValue = string | number | boolean | null | { $eq?: string | number | boolean | null; $contains?: unknown };
export type AuthFilter = Record<string, AuthFilterValue>;

/** What a handler receives. `value` is the request's payload; handlers may mutate it (owner stamping). */
export interface AuthHandlerArgs {
  event: AuthEvent;
  resource: AuthResource;
  action: string;
  value: Record<string, unknown>;
  user: AuthUser;
  permissions: string[];
}

export type AuthenticateHandler = (request: Request) => unknown;
export type AuthorizeHandler = (args: AuthHandlerArgs) => unknown;

/** The handler table of an `Auth` instance (the SDK keeps it under "~handlerCache"). */
export interface AuthHandlerCache {
  authenticate?: AuthenticateHandler;
  callbacks?: Record<string, AuthorizeHandler>;
}

/** An `Auth` instance from any copy of the SDK (the project's may differ from skeino's). */
export interface AuthLike {
  "~handlerCache": AuthHandlerCache;
}

export function isAuthLike(value: unknown): value is AuthLike {
  if (typeof value !== "object" || value === null || !("~handlerCache" in value)) return false;
  const cache = (value as AuthLike)["~handlerCache"];
  return typeof cache === "object" && cache !== null;
}

/** Options of `createApp({ auth })`, and what langgraph.json's "auth" key loads into. */
export interface AuthOptions {
  /** An `Auth` instance: `new Auth().authenticate(...).on(...)`. */
  handler: AuthLike;
  /**
   * The Studio reaches its own server with a per-launch credential unless this
   * is true; then it must authenticate like any client (langgraph.json
   * "auth.disable_studio_auth").
   */
  disableStudioAuth?: boolean;
  /** Where it came from, for startup errors (the manifest fills it in). */
  source?: string;
}

/** The Studio's identity when it presents its per-launch credential (the reference's STUDIO_USER). */
export const STUDIO_USER: AuthUser = Object.freeze({
  kind: "StudioUser",
  identity: "langgraph-studio-user",
  display_name: "langgraph-studio-user",
  permissions: [],
  is_authenticated: true,
}) as AuthUser;
