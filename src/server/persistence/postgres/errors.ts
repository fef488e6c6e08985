// Turns what `pg` throws while connecting or migrating into one error a user
// can act on: which server, what went wrong, what to change. The URI's
// password never reaches a message (redactUri, scrubSecrets).
// Codes and wordings: ../shared/research/postgres.md §5 (failure table).

/** Why skeino could not use the PostgreSQL database; `status` follows HTTP (503: unavailable, 500: config). */
export class PostgresSetupError extends Error {
  constructor(
    /** skeino's code, e.g. "PG_AUTH_FAILED"; stable for tests and docs. */
    readonly code: string,
    message: string,
    readonly status: number = 500,
    /** The code `pg`/Node reported (SQLSTATE or errno), when there was one. */
    readonly driverError?: { code?: string; message: string },
  ) {
    super(message);
    this.name = "PostgresSetupError";
  }
}

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

const ENCODE_HINT =
  "If the password contains any of @ # / ? : % characters, percent-encode it (encodeURIComponent), e.g. p@ss -> p%40ss.";

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

const TLS_UNTRUSTED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
]);

function errorInfo(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return { code: typeof code === "string" ? code : undefined, message: error.message };
  }
  return { message: String(error) };
}

/**
 * Maps a failure to connect, migrate or verify to a PostgresSetupError.
 * `connectionTimeoutMillis` only phrases the timeout message.
 */
export function describePostgresError(
  error: unknown,
  uri: string,
  connectionTimeoutMillis?: number,
): PostgresSetupError {
  if (error instanceof PostgresSetupError) return error;
  const info = errorInfo(error);
  const { host, port, database, user } = uriParts(uri);
  const where = `${host}:${port}`;
  const cause = { code: info.code, message: scrubSecrets(info.message, uri) };
  const make = (code: string, message: string, status = 503) =>
    new PostgresSetupError(code, `${scrubSecrets(message, uri)} (URI: ${redactUri(uri)})`, status, cause);

  switch (info.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return make("PG_HOST_UNKNOWN", `Cannot resolve database host '${host}'. Check the host name in the URI. ${ENCODE_HINT}`);
    case "ECONNREFUSED":
      return make("PG_REFUSED", `Nothing is accepting connections at ${where}. Is PostgreSQL running and listening on that port?`);
    case "3D000":
      return make(
        "PG_DB_MISSING",
        `Database '${database}' does not exist on ${where}. Create it (createdb ${database}) or fix the database name in the URI.`,
        500,
      );
    case "28P01":
    case "28000":
      return make(
        "PG_AUTH_FAILED",
        `PostgreSQL rejected the credentials for user '${user}' at ${where} (${info.code}). Check the user and password; ` +
          "special characters in them must be percent-encoded.",
        500,
      );
    case "42501":
      return make(
        "PG_PERMISSION",
        `Role '${user}' lacks a privilege skeino needs in database '${database}': ${cause.message}. ` +
          `Creating the schema needs CREATE on the database and on schema public (GRANT CREATE ON DATABASE "${database}" TO "${user}"; ` +
          "since PostgreSQL 15 also GRANT CREATE ON SCHEMA public), or run `skeino db migrate --uri ...` once as the owner and set setupSchema: false.",
        500,
      );
    case "53300":
      return make(
        "PG_TOO_MANY_CONNECTIONS",
        `PostgreSQL at ${where} refused a connection: max_connections reached. Lower the pool size or raise max_connections.`,
      );
    case "57P03":
      return make("PG_STARTING", `PostgreSQL at ${where} is still starting up; try again in a few seconds.`);
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return make(
        "PG_TLS_HOSTNAME",
        `The TLS certificate of ${where} does not match the host name '${host}'. Connect using the name in the certificate.`,
      );
    default:
      break;
  }
  if (info.code && TLS_UNTRUSTED.has(info.code)) {
    return make(
      "PG_TLS_UNTRUSTED",
      `The TLS certificate of ${where} is not trusted (${info.code}). In node-postgres, sslmode=require also verifies ` +
        "the certificate: add sslrootcert=/path/to/ca.pem to the URI, or use sslmode=no-verify (encrypted, not verified).",
    );
  }
  if (/does not support SSL/i.test(info.message)) {
    return make(
      "PG_TLS_UNSUPPORTED",
      `SSL was requested but the server at ${where} has SSL disabled; use sslmode=disable for a local server.`,
    );
  }
  if (/timeout/i.test(info.message)) {
    const after = connectionTimeoutMillis ? ` after ${connectionTimeoutMillis} ms` : "";
    return make(
      "PG_TIMEOUT",
      `Timed out${after} connecting to PostgreSQL at ${where} (or waiting for a free pooled connection). ` +
        "Check that the host and port are reachable, or raise connectionTimeoutMillis / the pool size.",
    );
  }
  return make(
    "PG_ERROR",
    `PostgreSQL at ${where}/${database} failed: ${cause.message}${info.code ? ` (${info.code})` : ""}`,
    500,
  );
}
