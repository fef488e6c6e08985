// The one place errors become HTTP responses: the bare message as text (the
// SDK then reports `HTTP 404: Thread with ID ... not found`), 422 naming the
// field for invalid input, and a 500 only for our own bugs.
import type { FastifyError, FastifyInstance } from "fastify";
import { HttpError } from "../errors.ts";
import type { Logger } from "../logger.ts";

function describeValidation(error: FastifyError): string {
  const where = error.validationContext ?? "body";
  const parts = (error.validation ?? []).map((v) => {
    const field = v.instancePath ? v.instancePath.slice(1).replace(/\//g, ".") : (v.params as { missingProperty?: string }).missingProperty ?? "";
    const path = field ? `${where === "body" ? "" : where + " "}'${field}'` : where;
    return `${path} ${v.message ?? "is invalid"}`;
  });
  return `Invalid ${where}: ${parts.join("; ")}`;
}

// Connection-level failures of the database: refused, reset, shut down (57P*), cannot connect (08*).
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03"]);

function isDatabaseUnavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}

const GRAPH_INPUT_ERRORS = new Set(["InvalidUpdateError", "EmptyInputError", "InvalidNamespaceError"]);

function isGraphInputError(error: Error): boolean {
  return GRAPH_INPUT_ERRORS.has(error.name) || error.message.startsWith("Invalid namespace label");
}

export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status = 500;
    let message = "Internal server error";
    if (error instanceof HttpError) {
      status = error.status;
      message = error.message;
      for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
    } else if (isDatabaseUnavailable(error)) {
      status = 503;
      message = `PostgreSQL is unavailable (${error.message}); skeino reconnects on its own: retry when the database is back`;
    } else if (isGraphInputError(error)) {
      // LangGraph rejecting what the client asked for (unknown node, bad update).
      status = 422;
      message = error.message;
    } else if (error.validation) {
      status = 422;
      message = describeValidation(error);
    } else if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      status = 415;
      message = `Unsupported content type ${JSON.stringify(request.headers["content-type"] ?? "")}: send application/json`;
    } else if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      status = 413;
      message = "Request body is too large";
    } else if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      message = error.message;
    } else {
      log.error("request failed", { method: request.method, url: request.url, error: error.message, stack: error.stack });
      message = error.message || message;
    }
    if (reply.sent || reply.raw.headersSent) return;
    void reply.status(status).type("text/plain; charset=utf-8").send(message);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).type("text/plain; charset=utf-8").send(`Not found: ${request.method} ${request.url.split("?")[0]}`);
  });
}
