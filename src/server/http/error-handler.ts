// The one place errors become HTTP responses: the bare message as text (the
// SDK then reports `HTTP 404: Thread with ID ... not found`), 422 naming the
// field for invalid input, and a 500 only for our own bugs.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { HttpError } from "../errors.ts";
import type { Logger } from "../logger.ts";

function describeValidation(error: FastifyError): string {
  const where = error.validationContext ?? "body";
  const parts = (error.validation ?? []).map((v) => {
    const field = v.instancePath ? v.instancePath.slice(1).replace(/\//g, ".") : ((v.params as { missingProperty?: string }).missingProperty ?? "");
    const path = field ? `${where === "body" ? "" : where + " "}'${field}'` : where;
    return `${path} ${v.message ?? "is invalid"}`;
  });
  return `Invalid ${where}: ${parts.join("; ")}`;
}

const GRAPH_INPUT_ERRORS = new Set(["InvalidUpdateError", "EmptyInputError", "InvalidNamespaceError"]);

function isGraphInputError(error: Error): boolean {
  return GRAPH_INPUT_ERRORS.has(error.name) || error.message.startsWith("Invalid namespace label");
}

/**
 * `explainBackendError` is the persistence backend's translation of its own
 * failures (Persistence.explainError): the handler maps the coded errors it
 * returns, and never reads a driver's codes or messages itself.
 */
export function installErrorHandler(app: FastifyInstance, log: Logger, explainBackendError?: (error: unknown) => HttpError | undefined): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status = 500;
    let message = "Internal server error";
    const coded = error instanceof HttpError ? error : explainBackendError?.(error);
    if (coded) {
      status = coded.status;
      message = coded.message;
      for (const [name, value] of Object.entries(coded.headers)) void reply.header(name, value);
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
    void reply
      .status(404)
      .type("text/plain; charset=utf-8")
      .send(`Not found: ${request.method} ${request.url.split("?")[0]}`);
  });
}

/**
 * Errors fastify's router answers before any route runs (a malformed URL
 * component, a path segment past maxParamLength): plain text like every
 * other error, not fastify's JSON.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const message =
    error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "URI too long: a path segment is longer than this server accepts" : `Bad request: ${error.message}`;
  void reply.status(status).type("text/plain; charset=utf-8").send(message);
}

/** Requests Node's HTTP parser refuses (bad framing, headers too large, timeouts): plain text, then close. */
export function plainClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  let status = 400;
  let message = "Bad request: the HTTP request could not be parsed";
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    status = 408;
    message = "Request timeout";
  } else if (error.code === "HPE_HEADER_OVERFLOW") {
    status = 431;
    message = "Request header fields too large (the request line and headers together exceed the server's limit)";
  }
  const body = Buffer.from(message, "utf8");
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`,
    );
  } else {
    socket.destroy(error);
  }
}
