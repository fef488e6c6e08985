// The spec file `skeino validate-checkpointer ./file.ts:factory` runs under
// vitest (see checkpointer-validation.ts): LangGraph's checkpoint validation
// suite against the user's factory, one fresh checkpointer per test group.
// The package's own CLI is broken in 1.1.1 and its specs use vitest globals,
// so we expose the globals and call specTest ourselves (research §2).
// Not matched by the repo's vitest include (test/**/*.test.ts): it only runs
// through the command, which names this file in its own vitest config.
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from "vitest";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CheckpointSaverTestInitializer } from "@langchain/langgraph-checkpoint-validation";

Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test });
const { specTest, deltaChannelHistoryTests } = await import("@langchain/langgraph-checkpoint-validation");

const file = process.env.SKEINO_VALIDATE_FILE;
const exportName = process.env.SKEINO_VALIDATE_EXPORT || "default";
if (!file) throw new Error("SKEINO_VALIDATE_FILE is not set: run this through `skeino validate-checkpointer ./file.ts:factory`");

type Factory = () => BaseCheckpointSaver | Promise<BaseCheckpointSaver>;
type Closable = BaseCheckpointSaver & { end?: () => unknown; close?: () => unknown };

const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
if (!(exportName in mod)) {
  throw new Error(`${file} has no export "${exportName}" (exports: ${Object.keys(mod).join(", ") || "none"})`);
}
const exported = await mod[exportName];
if (typeof exported !== "function") {
  // Each test group needs a checkpointer of its own (isolated state): an
  // instance shared by all of them would make the suite test itself.
  throw new Error(`${file}:${exportName} must be a function returning a new checkpointer (got ${typeof exported})`);
}
const factory = exported as Factory;

const isSaver = (value: unknown): value is BaseCheckpointSaver =>
  typeof value === "object" &&
  value !== null &&
  ["getTuple", "list", "put", "putWrites"].every((m) => typeof (value as Record<string, unknown>)[m] === "function");

async function create(): Promise<BaseCheckpointSaver> {
  const saver = await factory();
  if (!isSaver(saver)) {
    throw new Error(`${file}:${exportName} returned something that is not a checkpointer (needs getTuple, list, put, putWrites)`);
  }
  return saver;
}

async function destroy(saver: BaseCheckpointSaver): Promise<void> {
  const closable = saver as Closable;
  if (typeof closable.end === "function") await closable.end();
  else if (typeof closable.close === "function") await closable.close();
}

/** Constructor names up the prototype chain (the user's langgraph copy may not be ours: no instanceof). */
function lineage(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    names.push((proto as { constructor: { name: string } }).constructor.name);
  }
  return names;
}

// The suite skips one test for savers named "MemorySaver" (it does not store
// channel deltas, by design upstream). A subclass inherits that behaviour, so
// it gets the same allowance: we probe one instance to find out.
const probe = await create();
const inheritsMemorySaver = lineage(probe).includes("MemorySaver");
await destroy(probe);
const checkpointerName = inheritsMemorySaver ? "MemorySaver" : `${file}:${exportName}`;
if (inheritsMemorySaver) {
  console.log(`skeino: ${file}:${exportName} extends MemorySaver; running the suite with MemorySaver's upstream allowances`);
}

const initializer: CheckpointSaverTestInitializer<BaseCheckpointSaver> = {
  checkpointerName,
  createCheckpointer: create,
  destroyCheckpointer: destroy,
};

specTest(initializer);
deltaChannelHistoryTests(initializer);
