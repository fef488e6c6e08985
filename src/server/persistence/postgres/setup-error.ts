// The one error type of the PostgreSQL backend's setup: a stable code, a
// message a user can act on, the HTTP status it stands for, and what the
// driver said (secrets scrubbed).
import { HttpError } from "../../errors.ts";

/** Why skeino could not use the PostgreSQL database; `status` follows HTTP (503: unavailable, 500: config). */
export class PostgresSetupError extends HttpError {
  constructor(
    /** skeino's code, e.g. "PG_AUTH_FAILED"; stable for tests and docs. */
    code: string,
    message: string,
    status = 500,
    /** The code `pg`/Node reported (SQLSTATE or errno), when there was one. */
    readonly driverError?: { code?: string; message: string },
  ) {
    super(status, message, code);
    this.name = "PostgresSetupError";
  }
}
