// JSON schemas for request bodies and parameters, shared by the routes.
// Unknown fields are accepted and ignored, as the reference server does
// (the SDK sends fields such as ttl or durability that servers may not know).
export const uuid = { type: "string", format: "uuid" } as const;
export const obj = { type: "object" } as const;
export const objOrNull = { type: ["object", "null"] } as const;
export const strArray = { type: "array", items: { type: "string" } } as const;
export const limit = { type: "integer", minimum: 1, maximum: 1000 } as const;
// Bounded to what a JS number and a PostgreSQL bigint both hold exactly.
export const offset = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
/** Assistant versions are PostgreSQL `integer` columns. */
export const assistantVersion = { type: "integer", minimum: 1, maximum: 2_147_483_647 } as const;
export const sortOrder = { type: "string", enum: ["asc", "desc"] } as const;
export const ifExists = { type: "string", enum: ["raise", "do_nothing"] } as const;

export const config = {
  type: "object",
  properties: {
    tags: strArray,
    recursion_limit: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    configurable: obj,
  },
} as const;

export const threadIdParams = {
  type: "object",
  required: ["thread_id"],
  properties: { thread_id: uuid },
} as const;

export const threadRunParams = {
  type: "object",
  required: ["thread_id", "run_id"],
  properties: { thread_id: uuid, run_id: uuid },
} as const;

export const command = {
  type: ["object", "null"],
  properties: {
    update: {},
    resume: {},
    goto: {},
  },
} as const;

export const streamMode = {
  anyOf: [
    { type: "string", enum: ["values", "messages", "messages-tuple", "updates", "events", "debug", "tasks", "checkpoints", "custom", "tools"] },
    {
      type: "array",
      items: {
        type: "string",
        enum: ["values", "messages", "messages-tuple", "updates", "events", "debug", "tasks", "checkpoints", "custom", "tools"],
      },
    },
  ],
} as const;

const interruptNodes = { anyOf: [{ type: "string", enum: ["*"] }, strArray] } as const;

export const runCreate = {
  type: "object",
  required: ["assistant_id"],
  properties: {
    assistant_id: { type: "string", minLength: 1 },
    input: {},
    command,
    checkpoint_id: uuid,
    checkpoint: obj,
    metadata: objOrNull,
    config,
    context: objOrNull,
    webhook: { type: "string", minLength: 1 },
    interrupt_before: interruptNodes,
    interrupt_after: interruptNodes,
    on_disconnect: { type: "string", enum: ["cancel", "continue"] },
    multitask_strategy: { type: "string", enum: ["reject", "rollback", "interrupt", "enqueue"] },
    stream_mode: streamMode,
    stream_subgraphs: { type: "boolean" },
    stream_resumable: { type: "boolean" },
    after_seconds: { type: "number", minimum: 0, maximum: 31_536_000 },
    if_not_exists: { type: "string", enum: ["reject", "create"] },
    on_completion: { type: "string", enum: ["delete", "keep"] },
    feedback_keys: { anyOf: [{ type: "string" }, strArray] },
  },
} as const;

export const checkpointSelector = {
  type: "object",
  properties: {
    checkpoint_id: uuid,
    checkpoint_ns: { type: "string" },
    checkpoint_map: objOrNull,
  },
} as const;
