// The caller inside its runs: `config.configurable.langgraph_auth_user`,
// `langgraph_auth_user_id` and `langgraph_auth_permissions`, as LangGraph
// graphs read them. Only the server writes these keys: a client cannot send
// them, and they are never stored with a thread's config (the next run on the
// thread, maybe another user's, must not inherit them).
import type { JsonObject } from "../persistence/types.ts";
import type { AuthContext } from "./types.ts";

const AUTH_KEYS = ["langgraph_auth_user", "langgraph_auth_user_id", "langgraph_auth_permissions"] as const;

/** A copy of `configurable` without the auth keys (or the same object when it has none). */
export function withoutAuthKeys<T extends JsonObject | undefined>(configurable: T): T {
  if (!configurable || !AUTH_KEYS.some((key) => key in configurable)) return configurable;
  const copy: JsonObject = { ...configurable };
  for (const key of AUTH_KEYS) delete copy[key];
  return copy as T;
}

/** Stamps the caller onto a run's configurable; `user_id` falls back to the identity. */
export function stampAuthUser(configurable: JsonObject, context: AuthContext | undefined): void {
  if (!context) return;
  const userId =
    typeof context.user.identity === "string" ? context.user.identity : typeof context.user.id === "string" ? context.user.id : undefined;
  configurable.langgraph_auth_user = context.user;
  configurable.langgraph_auth_user_id = userId;
  configurable.langgraph_auth_permissions = context.scopes;
  if (configurable.user_id === undefined && userId !== undefined) configurable.user_id = userId;
}
