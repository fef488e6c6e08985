// The building blocks of the route schemas (each resource's own are in
// http/<resource>-schemas.ts): written once as TypeBox values, which are plain
// JSON Schema objects, so fastify's ajv validates them, @fastify/swagger puts
// them into the OpenAPI document as they are, and `Static<>` (through
// @fastify/type-provider-typebox) gives the handlers their request types.
//
// Why TypeBox and not zod (already a dependency, for the manifest and auth
// contracts): fastify validates with ajv and documents with JSON Schema; a
// TypeBox schema *is* that JSON Schema, so what the validator accepts,
// refuses and reports stays exactly as it was when these were hand-written
// `as const` objects (the hardening sweep pins every status and message).
// zod would need a validator compiler of its own (changing error messages
// and the ajv options in app.ts) and a zod→JSON Schema conversion for the
// OpenAPI document, two places for a route's shape to drift.
//
// Unknown fields are accepted and ignored, as the reference server does (the
// SDK sends fields such as ttl or durability that servers may not know): no
// object here sets additionalProperties. `Type.Unsafe` keeps a schema exactly
// as written where TypeBox would emit an equivalent but differently reported
// form (a `type` array, an enum with its `type`), so ajv's messages do not move.
import { Type, type Static, type TSchema, type TUnsafe } from "typebox";
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { JsonObject } from "../persistence/types.ts";

/** A string from a closed list, validated as `{type: "string", enum}` (ajv reports "must be equal to one of the allowed values"). */
export const stringEnum = <const T extends readonly string[]>(values: T): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values] });

/** A JSON object of any fields. */
export const obj = Type.Unsafe<JsonObject>({ type: "object" });
/** A JSON object or null. */
export const objOrNull = Type.Unsafe<JsonObject | null>({ type: ["object", "null"] });
/** A string or null. */
export const nullableString = Type.Unsafe<string | null>({ type: ["string", "null"] });
/** Any JSON value. */
export const anyValue = Type.Unknown();

/**
 * A body that may be left out: an empty request body is "no body" (app.ts),
 * which fastify does not validate, so the handler sees `undefined`. The
 * schema is the one given; only its type learns about the absence.
 */
export const optionalBody = <S extends TSchema>(schema: S): TUnsafe<Static<S> | undefined> => Type.Unsafe<Static<S> | undefined>(schema);

export const uuid = Type.String({ format: "uuid" });
export const nonEmpty = Type.String({ minLength: 1 });
export const strArray = Type.Array(Type.String());
export const limit = Type.Integer({ minimum: 1, maximum: 1000 });
// Bounded to what a JS number and a PostgreSQL bigint both hold exactly.
export const offset = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Assistant versions are PostgreSQL `integer` columns. */
export const assistantVersion = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const sortOrder = stringEnum(["asc", "desc"]);
export const ifExists = stringEnum(["raise", "do_nothing"]);
export const select = Type.Array(Type.String());
/** interrupt_before / interrupt_after: node names, or "*" for all. */
export const interruptNodes = Type.Union([stringEnum(["*"]), strArray]);

export const config = Type.Object({
  tags: Type.Optional(strArray),
  recursion_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  configurable: Type.Optional(obj),
});

export const threadIdParams = Type.Object({ thread_id: uuid });
export const threadRunParams = Type.Object({ thread_id: uuid, run_id: uuid });

export const command = Type.Unsafe<{ update?: unknown; resume?: unknown; goto?: unknown } | null>({
  type: ["object", "null"],
  properties: { update: {}, resume: {}, goto: {} },
});

const STREAM_MODES = ["values", "messages", "messages-tuple", "updates", "events", "debug", "tasks", "checkpoints", "custom", "tools"] as const;
export const streamMode = Type.Union([stringEnum(STREAM_MODES), Type.Array(stringEnum(STREAM_MODES))]);

export const checkpointSelector = Type.Object({
  checkpoint_id: Type.Optional(uuid),
  checkpoint_ns: Type.Optional(Type.String()),
  checkpoint_map: Type.Optional(objOrNull),
});

/** A fastify instance whose handlers get their request types from these schemas. */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The instance a route plugin receives, typed by its schemas. */
export const typed = (app: FastifyInstance): TypedApp => app.withTypeProvider<TypeBoxTypeProvider>();
