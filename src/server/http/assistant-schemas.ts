// Request shapes of the assistant routes (http/assistant-routes.ts).
import { Type, type Static } from "typebox";
import {
  assistantVersion,
  config,
  ifExists,
  limit,
  nonEmpty,
  nullableString,
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

export const assistantIdParams = Type.Object({ assistant_id: nonEmpty });

export const assistantCreate = Type.Object({
  graph_id: nonEmpty,
  assistant_id: Type.Optional(uuid),
  config: Type.Optional(config),
  context: Type.Optional(objOrNull),
  metadata: Type.Optional(objOrNull),
  if_exists: Type.Optional(ifExists),
  name: Type.Optional(Type.String()),
  description: Type.Optional(nullableString),
});
export type AssistantCreateBody = Static<typeof assistantCreate>;

const filterFields = { graph_id: Type.Optional(Type.String()), name: Type.Optional(Type.String()), metadata: Type.Optional(obj) };

export const assistantSearch = optionalBody(
  Type.Object({
    ...filterFields,
    limit: Type.Optional(limit),
    offset: Type.Optional(offset),
    sort_by: Type.Optional(stringEnum(["assistant_id", "graph_id", "name", "created_at", "updated_at"])),
    sort_order: Type.Optional(sortOrder),
    select: Type.Optional(select),
  }),
);
export type AssistantSearchBody = NonNullable<Static<typeof assistantSearch>>;

export const assistantCount = optionalBody(Type.Object(filterFields));
export type AssistantCountBody = NonNullable<Static<typeof assistantCount>>;

export const assistantPatch = optionalBody(
  Type.Object({
    graph_id: Type.Optional(Type.String()),
    config: Type.Optional(config),
    context: Type.Optional(obj),
    metadata: Type.Optional(obj),
    name: Type.Optional(Type.String()),
    description: Type.Optional(nullableString),
  }),
);
export type AssistantPatchBody = NonNullable<Static<typeof assistantPatch>>;

export const assistantLatest = Type.Object({ version: assistantVersion });

export const assistantVersions = optionalBody(
  Type.Object({ limit: Type.Optional(limit), offset: Type.Optional(offset), metadata: Type.Optional(obj) }),
);
export type AssistantVersionsBody = NonNullable<Static<typeof assistantVersions>>;

export const deleteQuery = Type.Object({ delete_threads: Type.Optional(flagParam) });
export const graphQuery = Type.Object({
  xray: Type.Optional(
    Type.Unsafe<string | string[]>({ description: "subgraphs to draw: a depth (2, 3...); no for false, 0 or no (any case); else one level" }),
  ),
});
export const subgraphsQuery = Type.Object({ recurse: Type.Optional(flagParam), namespace: Type.Optional(Type.String()) });
export const recurseQuery = Type.Object({ recurse: Type.Optional(flagParam) });
