// Errors as values with a stable code and an HTTP status. Routes, services
// and backends throw HttpError (or a subclass); http/error-handler.ts is the
// one place that maps errors to responses, by code and status, never by the
// text of a driver's message.

/** The code an HttpError carries when it names none of its own. */
const CODE_BY_STATUS: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "INVALID_INPUT",
  503: "BACKEND_UNAVAILABLE",
};

export class HttpError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    message: string,
    code?: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = "HttpError";
    this.code = code ?? CODE_BY_STATUS[status] ?? "ERROR";
    this.headers = options?.headers ?? {};
  }
  /** Sent with the response (an auth handler's WWW-Authenticate, for one). */
  readonly headers: Record<string, string>;
}

/**
 * The database (or another backend) cannot be reached right now: 503, and
 * the client may retry. Backends translate their own connection failures
 * into this (Persistence.explainError), so nothing above them reads SQLSTATEs.
 */
export class BackendUnavailableError extends HttpError {
  constructor(message: string, cause?: unknown) {
    super(503, message, "BACKEND_UNAVAILABLE", { cause });
    this.name = "BackendUnavailableError";
  }
}

export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const unprocessable = (message: string) => new HttpError(422, message);
export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string, headers?: Record<string, string>) => new HttpError(401, message, undefined, { headers });
export const forbidden = (message: string) => new HttpError(403, message);

export const threadNotFound = (threadId: string) => notFound(`Thread with ID ${threadId} not found`);
export const assistantNotFound = () => notFound("Assistant not found");
export const runNotFound = () => notFound("Run not found");
/** Multitask strategy "reject" on a thread with a pending or running run. */
export const threadBusy = () => unprocessable("Thread is already running a task. Wait for it to finish or choose a different multitask strategy.");

/** A configuration problem found at startup: the CLI prints it and exits non-zero. */
/**
 * The CLI's exit code for a ConfigError (sysexits' EX_CONFIG): the project
 * itself is wrong (manifest, graph files), so starting again will not help.
 * The Studio's supervisor reads it to show the errors instead of retrying.
 */
export const CONFIG_ERROR_EXIT_CODE = 78;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Several graphs of one manifest failed to load: each error is kept, so the CLI and the Studio list them all. */
export class ConfigErrors extends ConfigError {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "ConfigErrors";
  }
}
