// Turns what `pg` throws while connecting or migrating into one error a user
// can act on: which server, what went wrong, what to change. The URI's
// password never reaches a message (redactUri, scrubSecrets).
// Codes and wordings: ../shared/research/postgres.md §5 (failure table).
// The Studio's connection test uses the same explainer (src/main/host.ts).
import { BackendUnavailableError } from "../../errors.ts";
import { isDatabaseUnavailable } from "../database-unavailable.ts";
import { PostgresSetupError } from "./setup-error.ts";
import { ENCODE_HINT, redactUri, scrubSecrets, uriParts } from "./uri.ts";

export { PostgresSetupError } from "./setup-error.ts";
export { redactUri, scrubSecrets, uriParts, validatePostgresUri, type UriParts } from "./uri.ts";

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
export function describePostgresError(error: unknown, uri: string, connectionTimeoutMillis?: number): PostgresSetupError {
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
      return make("PG_REFUSED", `Nothing is listening at ${where} (ECONNREFUSED): is PostgreSQL running on that port?`);
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
        `PostgreSQL rejected the ${info.code === "28P01" ? "password" : "credentials"} for user '${user}' at ${where} (${info.code}). ` +
          "Check the user and password; special characters in them must be percent-encoded.",
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
    return make("PG_TLS_UNSUPPORTED", `SSL was requested but the server at ${where} has SSL disabled; use sslmode=disable for a local server.`);
  }
  if (/timeout/i.test(info.message)) {
    const after = connectionTimeoutMillis ? ` after ${connectionTimeoutMillis} ms` : "";
    return make(
      "PG_TIMEOUT",
      `Timed out${after} connecting to PostgreSQL at ${where} (or waiting for a free pooled connection). ` +
        "Check that the host and port are reachable, or raise connectionTimeoutMillis / the pool size.",
    );
  }
  return make("PG_ERROR", `PostgreSQL at ${where}/${database} failed: ${cause.message}${info.code ? ` (${info.code})` : ""}`, 500);
}

/**
 * The backend's coded error for a failure while serving requests: the
 * database is unreachable (503, retry later), or undefined for anything else.
 */
export function explainRuntimeError(error: unknown): BackendUnavailableError | undefined {
  if (!(error instanceof Error) || !isDatabaseUnavailable(error)) return undefined;
  return new BackendUnavailableError(
    `PostgreSQL is unavailable (${error.message}); skeino reconnects on its own: retry when the database is back`,
    error,
  );
}
