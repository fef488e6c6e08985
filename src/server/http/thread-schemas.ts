// Request shapes of the thread routes (http/thread-routes.ts, http/thread-state-routes.ts).
import { Type } from "typebox";
import {
  checkpointSelector,
  command,
  ifExists,
  limit,
  obj,
  objOrNull,
  offset,
  optionalBody,
  select,
  sortOrder,
  stringEnum,
  uuid,
} from "./schemas.ts";
import { flagParam } from "./query.ts";

const status = stringEnum(["idle", "busy", "interrupted", "error"]);

export const threadCreate = optionalBody(
  Type.Object({
    thread_id: Type.Optional(uuid),
    metadata: Type.Optional(objOrNull),
    if_exists: Type.Optional(ifExists),
    supersteps: Type.Optional(
      Type.Array(
        Type.Object({
          updates: Type.Array(Type.Object({ values: Type.Optional(Type.Unknown()), command: Type.Optional(command), as_node: Type.String() })),
        }),
      ),
    ),
    // Not in the schema, as before: TtlService.parseThreadTtl checks it and words its own refusal.
    ttl: Type.Optional(Type.Unsafe<unknown>({})),
  }),
);

const filterFields = { metadata: Type.Optional(obj), values: Type.Optional(obj), status: Type.Optional(status) };

export const threadSearch = optionalBody(
  Type.Object({
    ...filterFields,
    ids: Type.Optional(Type.Array(uuid)),
    limit: Type.Optional(limit),
    offset: Type.Optional(offset),
    sort_by: Type.Optional(stringEnum(["thread_id", "status", "created_at", "updated_at"])),
    sort_order: Type.Optional(sortOrder),
    select: Type.Optional(select),
  }),
);

export const threadCount = optionalBody(Type.Object(filterFields));

export const threadPatch = optionalBody(Type.Object({ metadata: Type.Optional(obj), ttl: Type.Optional(Type.Unsafe<unknown>({})) }));

export const threadPrune = Type.Object({
  thread_ids: Type.Array(uuid, { maxItems: 1000 }),
  strategy: Type.Optional(stringEnum(["delete", "keep_latest"])),
});

export const subgraphsQuery = Type.Object({ subgraphs: Type.Optional(flagParam) });

export const threadCheckpointParams = Type.Object({ thread_id: uuid, checkpoint_id: uuid });

export const stateAtCheckpoint = Type.Object({ checkpoint: checkpointSelector, subgraphs: Type.Optional(Type.Boolean()) });

export const stateUpdate = optionalBody(
  Type.Object({
    values: Type.Optional(Type.Unsafe<unknown>({ type: ["object", "array", "null"] })),
    as_node: Type.Optional(Type.String()),
    checkpoint_id: Type.Optional(uuid),
    checkpoint: Type.Optional(checkpointSelector),
  }),
);

/** GET history: checked by the route, which words its own refusal of a bad limit. */
export const historyQuery = Type.Object({
  limit: Type.Optional(Type.Unsafe<string | string[]>({})),
  before: Type.Optional(Type.Unsafe<string | string[]>({})),
});

export const historySearch = optionalBody(
  Type.Object({
    limit: Type.Optional(limit),
    before: Type.Optional(Type.Union([Type.String(), Type.Object({ configurable: Type.Optional(obj) }), Type.Null()])),
    metadata: Type.Optional(objOrNull),
    checkpoint: Type.Optional(checkpointSelector),
  }),
);
