// The PostgreSQL helpers the server shares with its users and the Studio:
// explain a failure to connect, parse a URI, redact its password. No fastify
// and no LangGraph behind this entry, so the Studio's main process can import
// it cheaply (`skeino/postgres`).
export {
  describePostgresError,
  PostgresSetupError,
  redactUri,
  scrubSecrets,
  uriParts,
  validatePostgresUri,
  type UriParts,
} from "./persistence/postgres/errors.ts";
