// Which requests are authenticated, and the one way a request's AuthContext
// is resolved: the Studio's per-launch credential, else the project's
// authenticate handler. Shared by the API server's hook and the custom-routes
// front, so custom routes are authenticated exactly like the API.
import type { CustomAuth } from "./custom-auth.ts";
import type { AuthContext } from "./types.ts";

/** Header carrying the Studio's per-launch credential (never the user's to handle). */
export const STUDIO_TOKEN_HEADER = "x-skeino-studio-token";
/** Skeino's own headers: stripped from what handlers and graphs see. */
export const INTERNAL_HEADER_PREFIX = "x-skeino-";

/**
 * Open without credentials: health (/ok), server info (/info), CORS
 * preflights, and generative-UI assets (GET /ui/...), which a page loads with
 * a plain <script> tag that cannot carry a token.
 */
export function isPublicRequest(method: string, path: string): boolean {
  if (method === "OPTIONS") return true;
  if (path === "/ok" || path === "/info") return true;
  return (method === "GET" || method === "HEAD") && (path === "/ui" || path.startsWith("/ui/"));
}

/** The request as handlers get it: a Fetch Request without skeino's internal headers (no body: auth runs before it is read). */
export function toFetchRequest(method: string, url: string, headers: Iterable<[string, string]>): Request {
  const clean = new Headers();
  for (const [name, value] of headers) if (!name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX)) clean.append(name, value);
  return new Request(url, { method, headers: clean });
}

export async function resolveAuthContext(auth: CustomAuth, request: Request, studioToken: string | undefined): Promise<AuthContext> {
  if (auth.isStudioToken(studioToken)) return auth.studioContext();
  return auth.authenticate(request);
}

/** The context travels from the custom-routes front to the API in this header (trusted only with the proxy secret). */
export const AUTH_CONTEXT_HEADER = "x-skeino-auth-context";

export const encodeAuthContext = (context: AuthContext) => Buffer.from(JSON.stringify(context), "utf-8").toString("base64");

export function decodeAuthContext(header: string): AuthContext | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(header, "base64").toString("utf-8")) as AuthContext;
    return typeof parsed?.user?.identity === "string" && Array.isArray(parsed.scopes) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
