// The webhook a run was created with, called once its end is recorded.
import type { Persistence, Run } from "../persistence/types.ts";
import type { Logger } from "../logger.ts";
import { serializeError } from "../serialize.ts";
import { toRunStatus, type ExecutionResult } from "./executor.ts";

/** A receiver that does not answer in this time is given up on (the run is settled either way). */
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs the run (as stored, with its status and last values) to its webhook;
 * a path resolves against `publicUrl`. Failures are logged, never thrown.
 */
export async function callWebhook(
  persistence: Persistence,
  log: Logger,
  publicUrl: string | undefined,
  run: Run,
  result: ExecutionResult,
): Promise<void> {
  const given = run.kwargs.webhook as string;
  const url = given.startsWith("/") && publicUrl ? `${publicUrl}${given}` : given;
  try {
    const stored = await persistence.metadata.runs.get(run.run_id);
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ...(stored ?? run),
        status: toRunStatus(result.outcome),
        values: result.lastValues,
        ...(result.error ? { error: serializeError(result.error).message } : {}),
      }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    log.warn("webhook failed", { run_id: run.run_id, url, error: serializeError(error).message });
  }
}
