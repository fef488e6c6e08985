// Request shapes of the run routes (http/run-routes.ts, http/run-stream-routes.ts).
import { Type } from "typebox";
import { command, config, interruptNodes, nonEmpty, obj, objOrNull, optionalBody, strArray, streamMode, stringEnum, uuid } from "./schemas.ts";
import { digitsParam, flagParam } from "./query.ts";

export const multitaskStrategy = stringEnum(["reject", "rollback", "interrupt", "enqueue"]);

export const runCreate = Type.Object({
  assistant_id: nonEmpty,
  input: Type.Optional(Type.Unknown()),
  command: Type.Optional(command),
  checkpoint_id: Type.Optional(uuid),
  checkpoint: Type.Optional(obj),
  metadata: Type.Optional(objOrNull),
  config: Type.Optional(config),
  context: Type.Optional(objOrNull),
  webhook: Type.Optional(nonEmpty),
  interrupt_before: Type.Optional(interruptNodes),
  interrupt_after: Type.Optional(interruptNodes),
  on_disconnect: Type.Optional(stringEnum(["cancel", "continue"])),
  multitask_strategy: Type.Optional(multitaskStrategy),
  stream_mode: Type.Optional(streamMode),
  stream_subgraphs: Type.Optional(Type.Boolean()),
  stream_resumable: Type.Optional(Type.Boolean()),
  after_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 31_536_000 })),
  if_not_exists: Type.Optional(stringEnum(["reject", "create"])),
  on_completion: Type.Optional(stringEnum(["delete", "keep"])),
  feedback_keys: Type.Optional(Type.Union([Type.String(), strArray])),
});

export const runBatch = Type.Array(runCreate, { minItems: 1, maxItems: 1000 });

export const runIdParams = Type.Object({ run_id: uuid });

export const runListQuery = Type.Object({
  limit: Type.Optional(digitsParam),
  offset: Type.Optional(digitsParam),
  status: Type.Optional(stringEnum(["pending", "running", "error", "success", "timeout", "interrupted"])),
});

export const cancelAction = stringEnum(["interrupt", "rollback"]);
export const cancelQuery = Type.Object({ wait: Type.Optional(Type.String()), action: Type.Optional(cancelAction) });
export const bulkCancelQuery = Type.Object({ action: Type.Optional(cancelAction) });
export const bulkCancel = optionalBody(
  Type.Object({
    thread_id: Type.Optional(uuid),
    run_ids: Type.Optional(Type.Array(uuid)),
    status: Type.Optional(stringEnum(["pending", "running", "all"])),
  }),
);

export const joinStreamQuery = Type.Object({ cancel_on_disconnect: Type.Optional(flagParam) });
