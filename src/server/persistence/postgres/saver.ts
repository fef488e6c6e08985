// PostgresSaver as skeino wires it: over skeino's pool, and with a fix for
// langgraphjs#1812 (open upstream). The base getNextVersion counts 1, 2,
// 3... per channel, and checkpoint_blobs is keyed by (thread, ns, channel,
// version) with INSERT ... ON CONFLICT DO NOTHING. Two branches of one thread
// (a fork or time travel from an earlier checkpoint) both write version N+1
// of a channel; the second branch's value is silently dropped and its
// checkpoints read the first branch's value. We make versions globally unique
// the way the Python savers do: "<counter, zero-padded to 32>.<16 random
// hex>". LangGraph compares versions with `>` and localeCompare, so the zero
// padding keeps the order by counter. Threads whose checkpoints already hold
// integer versions keep counting in integers (a mix would compare a number to
// a string): new threads get the fix. test/server/persistence/issue-1812.test.ts
// reproduces the bug with the stock saver and checks ours.
//
// Run metadata (run_id...) in checkpoints is added for every backend by
// ../instrumented-saver.ts, not here.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";

/** The saver's tables in its default schema "public". */
export const SAVER_TABLES = ["checkpoint_migrations", "checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const;

export function nextUniqueVersion(current: string | number | undefined): string | number {
  if (typeof current === "number") return current + 1;
  const counter = current ? Number.parseInt(current.split(".")[0] ?? "0", 10) || 0 : 0;
  return `${String(counter + 1).padStart(32, "0")}.${randomBytes(8).toString("hex")}`;
}

export class SkeinoPostgresSaver extends PostgresSaver {
  constructor(pool: pg.Pool) {
    super(pool);
  }

  // PostgresSaver types its versions as numbers (BaseCheckpointSaver<number>);
  // LangGraph and the saver handle strings at runtime (blob versions are TEXT).
  override getNextVersion(current: number | undefined): number {
    return nextUniqueVersion(current as string | number | undefined) as unknown as number;
  }

  /** The pool belongs to the persistence layer (saver.end() would end the shared pool). */
  override async end(): Promise<void> {}
}
