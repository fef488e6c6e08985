// Errors as values with an HTTP status. Routes and services throw HttpError;
// http/error-handler.ts is the one place that maps errors to responses.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Sent with the response (an auth handler's WWW-Authenticate, for one). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const unprocessable = (message: string) => new HttpError(422, message);
export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string, headers?: Record<string, string>) => new HttpError(401, message, headers);
export const forbidden = (message: string) => new HttpError(403, message);

export const threadNotFound = (threadId: string) => notFound(`Thread with ID ${threadId} not found`);
export const assistantNotFound = () => notFound("Assistant not found");
export const runNotFound = () => notFound("Run not found");
/** Multitask strategy "reject" on a thread with a pending or running run. */
export const threadBusy = () => unprocessable("Thread is already running a task. Wait for it to finish or choose a different multitask strategy.");

/** A configuration problem found at startup: the CLI prints it and exits non-zero. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
