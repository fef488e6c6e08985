// Request shapes of the store routes (http/store-routes.ts).
import { Type } from "typebox";
import { limit, nonEmpty, obj, offset, optionalBody, strArray, stringEnum } from "./schemas.ts";
import { MAX_STORE_NAMESPACE_LABELS } from "../persistence/store-address.ts";
import { MAX_TTL_MINUTES } from "../ttl/ttl-service.ts";

export const itemPut = Type.Object({
  namespace: strArray,
  key: nonEmpty,
  value: obj,
  index: Type.Optional(Type.Unknown()),
  ttl: Type.Optional(Type.Unsafe<number | null>({ type: ["number", "null"], minimum: 0, maximum: MAX_TTL_MINUTES })),
});

export const itemGetQuery = Type.Object({
  namespace: Type.Optional(Type.String()),
  key: nonEmpty,
  refresh_ttl: Type.Optional(stringEnum(["true", "false", "1", "0"])),
});

export const itemDelete = Type.Object({ namespace: Type.Optional(strArray), key: nonEmpty });

export const itemSearch = optionalBody(
  Type.Object({
    namespace_prefix: Type.Optional(strArray),
    filter: Type.Optional(obj),
    limit: Type.Optional(limit),
    offset: Type.Optional(offset),
    query: Type.Optional(Type.String()),
    refresh_ttl: Type.Optional(Type.Unsafe<boolean | null>({ type: ["boolean", "null"] })),
  }),
);

export const namespaceList = optionalBody(
  Type.Object({
    prefix: Type.Optional(strArray),
    suffix: Type.Optional(strArray),
    max_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STORE_NAMESPACE_LABELS })),
    limit: Type.Optional(limit),
    offset: Type.Optional(offset),
  }),
);
