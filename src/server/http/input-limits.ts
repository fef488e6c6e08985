// What the backends can hold, checked once at the edge so memory and
// PostgreSQL answer alike: no NUL in any string (jsonb and text reject it,
// memory would keep it). Integers are bounded in the route schemas
// (http/schemas.ts), store addresses in persistence/store-address.ts.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { unprocessable } from "../errors.ts";

const NUL = "\u0000";

function nulIn(value: unknown): boolean {
  if (typeof value === "string") return value.includes(NUL);
  if (Array.isArray(value)) return value.some(nulIn);
  return false;
}

/** Path parameters and query strings: a NUL is refused with a 422 naming the field. */
function refuseNul(where: "path parameter" | "querystring", fields: unknown): void {
  if (fields === null || typeof fields !== "object") return;
  for (const [name, value] of Object.entries(fields as Record<string, unknown>)) {
    if (nulIn(value) || name.includes(NUL)) {
      throw unprocessable(`Invalid ${where} '${name.replaceAll(NUL, "\\u0000")}': NUL characters (\\u0000) are not allowed`);
    }
  }
}

/** Installs the checks every route gets (bodies are checked as they are parsed: http/json-body.ts). */
export function installInputLimits(app: FastifyInstance): void {
  app.addHook("preValidation", async (request: FastifyRequest) => {
    refuseNul("path parameter", request.params);
    refuseNul("querystring", request.query);
  });
}
