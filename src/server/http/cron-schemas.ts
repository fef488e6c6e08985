// Request shapes of the cron routes (http/cron-routes.ts).
import { Type, type Static, type TObject, type TUnsafe } from "typebox";
import {
  config,
  interruptNodes,
  limit,
  nonEmpty,
  nullableString,
  objOrNull,
  offset,
  optionalBody,
  sortOrder,
  streamMode,
  stringEnum,
  uuid,
} from "./schemas.ts";
import { multitaskStrategy } from "./run-schemas.ts";
import { CRON_SORT_FIELDS } from "../persistence/cron-store.ts";

const payloadFields = {
  input: Type.Optional(Type.Unknown()),
  config: Type.Optional(config),
  context: Type.Optional(objOrNull),
  metadata: Type.Optional(objOrNull),
  interrupt_before: Type.Optional(interruptNodes),
  interrupt_after: Type.Optional(interruptNodes),
  webhook: Type.Optional(Type.Unsafe<string | null>({ type: ["string", "null"], minLength: 1 })),
  multitask_strategy: Type.Optional(multitaskStrategy),
  stream_mode: Type.Optional(streamMode),
  stream_subgraphs: Type.Optional(Type.Boolean()),
  stream_resumable: Type.Optional(Type.Boolean()),
  checkpoint_during: Type.Optional(Type.Boolean()),
  durability: Type.Optional(stringEnum(["sync", "async", "exit"])),
  schedule: Type.Optional(nonEmpty),
  timezone: Type.Optional(nullableString),
  end_time: Type.Optional(nullableString),
  enabled: Type.Optional(Type.Boolean()),
  on_run_completed: Type.Optional(stringEnum(["delete", "keep"])),
};

export const cronCreate = Type.Object({ assistant_id: nonEmpty, ...payloadFields, schedule: nonEmpty });
export const cronUpdate = optionalBody(Type.Object(payloadFields));

export const cronIdParams = Type.Object({ cron_id: uuid });

const CRON_SELECT = [
  "cron_id",
  "assistant_id",
  "thread_id",
  "end_time",
  "schedule",
  "created_at",
  "updated_at",
  "user_id",
  "payload",
  "next_run_date",
  "metadata",
  "now",
  "timezone",
  "enabled",
  "on_run_completed",
] as const;

const filterFields = { assistant_id: Type.Optional(nonEmpty), thread_id: Type.Optional(uuid), metadata: Type.Optional(objOrNull) };

/** Search and count also take null for "no body" (`type: ["object", "null"]`). */
const orNull = <S extends TObject>(schema: S): TUnsafe<Static<S> | null | undefined> =>
  Type.Unsafe<Static<S> | null | undefined>({ ...schema, type: ["object", "null"] });

export const cronSearch = orNull(
  Type.Object({
    ...filterFields,
    enabled: Type.Optional(Type.Boolean()),
    limit: Type.Optional(limit),
    offset: Type.Optional(offset),
    sort_by: Type.Optional(stringEnum(CRON_SORT_FIELDS)),
    sort_order: Type.Optional(sortOrder),
    select: Type.Optional(Type.Array(stringEnum(CRON_SELECT))),
  }),
);
export const cronCount = orNull(Type.Object(filterFields));

/** Query strings stay strings (the app does not coerce types): a digits pattern, then Number. */
export const firingsQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: "^[1-9][0-9]{0,2}$" })) });

export const schedulePreview = Type.Object({
  schedule: nonEmpty,
  timezone: Type.Optional(nullableString),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
