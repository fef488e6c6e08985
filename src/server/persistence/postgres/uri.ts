// PostgreSQL URIs, parsed and redacted in one place for the server and the
// Studio: which server and database a URI names, the URI with its password
// masked (for logs and messages), and the mistakes `pg` would misread
// rather than reject.
import { PostgresSetupError } from "./setup-error.ts";

const SCHEMES = new Set(["postgres:", "postgresql:"]);

/** Replaces the password (userinfo and `password=` query parameter) with "***"; works on URIs URL() rejects. */
export function redactUri(uri: string): string {
  let out = uri;
  const start = out.indexOf("://");
  if (start >= 0) {
    const at = out.lastIndexOf("@");
    if (at > start) {
      const colon = out.indexOf(":", start + 3);
      if (colon >= 0 && colon < at) out = `${out.slice(0, colon + 1)}***${out.slice(at)}`;
    }
  }
  return out.replace(/([?&]password=)[^&#]*/gi, "$1***");
}

/** Every spelling of the password that could leak into a driver message. */
function secretsOf(uri: string): string[] {
  const secrets = new Set<string>();
  const start = uri.indexOf("://");
  const at = uri.lastIndexOf("@");
  if (start >= 0 && at > start) {
    const userinfo = uri.slice(start + 3, at);
    const colon = userinfo.indexOf(":");
    if (colon >= 0) {
      const raw = userinfo.slice(colon + 1);
      secrets.add(raw);
      try {
        secrets.add(decodeURIComponent(raw));
      } catch {
        // Malformed percent-encoding: the raw form is all there is.
      }
    }
  }
  const query = /[?&]password=([^&#]*)/i.exec(uri);
  if (query?.[1]) secrets.add(query[1]);
  return [...secrets].filter((s) => s.length > 0);
}

/** Removes the password from any text (a driver's message may quote parts of a malformed URI). */
export function scrubSecrets(text: string, uri: string): string {
  let out = text;
  for (const secret of secretsOf(uri)) out = out.split(secret).join("***");
  return out;
}

export interface UriParts {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** Host, port, database and user a URI names, with libpq's defaults; "?" where it does not parse. */
export function uriParts(uri: string): UriParts {
  try {
    const url = new URL(uri);
    return {
      host: url.hostname || "localhost",
      port: url.port || "5432",
      database: decodeURIComponent(url.pathname.replace(/^\//, "")) || decodeURIComponent(url.username) || "postgres",
      user: decodeURIComponent(url.username) || "postgres",
    };
  } catch {
    return { host: "?", port: "?", database: "?", user: "?" };
  }
}

export const ENCODE_HINT = "If the password contains any of @ # / ? : % characters, percent-encode it (encodeURIComponent), e.g. p@ss -> p%40ss.";

/**
 * Rejects what `pg` would misread rather than reject: it accepts any scheme
 * (mysql:// connects) and reads "not a uri" as a host name.
 */
export function validatePostgresUri(uri: string): void {
  const shown = redactUri(uri);
  const rest = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri.slice(uri.indexOf("://") + 3) : undefined;
  if (rest === undefined) {
    throw new PostgresSetupError(
      "PG_BAD_URI",
      `The checkpointer URI '${shown}' is not a PostgreSQL URL. Expected postgres://user:password@host:5432/dbname.`,
    );
  }
  // An unencoded @ # / ? in the password moves the host boundary: pg then
  // tries to resolve a fragment of the password as the host name.
  const at = rest.lastIndexOf("@");
  if (at >= 0 && /[@#/?]/.test(rest.slice(0, at))) {
    throw new PostgresSetupError(
      "PG_URI_UNENCODED",
      `The checkpointer URI '${redactUri(uri)}' has unencoded special characters before the host. ${ENCODE_HINT}`,
    );
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new PostgresSetupError(
      "PG_BAD_URI",
      `The checkpointer URI '${shown}' is not a valid URL (check the port is a number). ` +
        `Expected postgres://user:password@host:5432/dbname. ${ENCODE_HINT}`,
    );
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new PostgresSetupError(
      "PG_BAD_URI",
      `The checkpointer URI '${shown}' uses the scheme '${url.protocol}'; skeino needs postgres:// or postgresql://.`,
    );
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new PostgresSetupError("PG_URI_UNENCODED", `The checkpointer URI '${shown}' has a malformed %-escape. ${ENCODE_HINT}`);
  }
}
