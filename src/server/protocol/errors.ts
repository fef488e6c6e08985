// Protocol errors: values with a code from the protocol's ErrorCode set, a
// message a user can act on, and the envelope they travel in. Errors of the
// services (HttpError) become protocol errors here, in one place, so a
// command never answers a 5xx (the SDK retries those, and run.start is not
// idempotent).
import type { ErrorCode } from "@langchain/protocol";
import { HttpError } from "../errors.ts";

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

export const invalidArgument = (message: string) => new ProtocolError("invalid_argument", message);

export interface ErrorEnvelope {
  type: "error";
  id: number | null;
  error: ErrorCode;
  message: string;
}

export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof HttpError) {
    if (error.status === 401 || error.status === 403) return new ProtocolError("permission_denied", error.message);
    if (error.status === 404 && /^Thread with ID/.test(error.message)) return new ProtocolError("no_such_run", error.message);
    if (error.status < 500) return new ProtocolError("invalid_argument", error.message);
  }
  const name = (error as { name?: unknown })?.name;
  // LangGraph refusing what the client asked for (unknown node, bad update).
  if (name === "InvalidUpdateError" || name === "EmptyInputError" || name === "InvalidNamespaceError") {
    return new ProtocolError("invalid_argument", (error as Error).message);
  }
  return new ProtocolError("unknown_error", error instanceof Error ? error.message : String(error));
}

export function errorEnvelope(id: number | null, error: unknown): ErrorEnvelope {
  const e = toProtocolError(error);
  return { type: "error", id, error: e.code, message: e.message };
}
