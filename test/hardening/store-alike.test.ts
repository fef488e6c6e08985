// The store answers the same on both backends: the same items and namespaces
// for the same prefixes, suffixes, wildcards, depths and filters (compared as
// sets: the backends order by different clocks), labels holding LIKE
// characters included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { send } from "./support.ts";

const NAMESPACES = [
  ["users", "alice"],
  ["users", "alice", "notes"],
  ["users", "al_ce"],
  ["users", "100%"],
  ["usersx"],
  ["teams", "a", "users"],
  ["back\\slash", "x"],
  ["u", "v", "w", "x"],
];

/** JSON with object keys in order: jsonb does not keep the order keys were written in. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : value !== null && typeof value === "object"
      ? `{${Object.keys(value as object)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(value);
const sorted = (rows: unknown[]) => rows.map(canonical).sort();

describe("the store answers alike on memory and PostgreSQL", () => {
  let memory: TestServer;
  let postgres: TestServer;
  beforeAll(async () => {
    [memory, postgres] = await Promise.all([startTestServer("memory"), startTestServer("postgres")]);
    for (const server of [memory, postgres]) {
      for (const [i, namespace] of NAMESPACES.entries()) {
        await server.client.store.putItem(namespace, "k", { i, even: i % 2 === 0, tag: i < 4 ? "low" : "high" });
        await server.client.store.putItem(namespace, "k2", { i: i + 100, tag: "other" });
      }
    }
  });
  afterAll(async () => {
    await Promise.all([memory?.close(), postgres?.close()]);
  });

  const both = async (path: string, body: unknown) => {
    const [m, p] = await Promise.all([send(memory.url, { method: "POST", path, body }), send(postgres.url, { method: "POST", path, body })]);
    return { m, p };
  };

  it.each([
    {},
    { prefix: ["users"] },
    { prefix: ["users", "alice"] },
    { prefix: ["user"] },
    { prefix: ["users", "al_ce"] },
    { prefix: ["users", "al%"] },
    { prefix: ["*", "alice"] },
    { suffix: ["users"] },
    { suffix: ["x"] },
    { suffix: ["*", "x"] },
    { prefix: ["users"], max_depth: 2 },
    { max_depth: 1 },
    { prefix: ["u"], suffix: ["x"] },
    { prefix: ["back\\slash"] },
    { limit: 3, offset: 2 },
  ])("namespaces %j", async (body) => {
    const { m, p } = await both("/store/namespaces", body);
    expect(p.status, p.text).toBe(m.status);
    const mine = (JSON.parse(m.text) as { namespaces: string[][] }).namespaces;
    const theirs = (JSON.parse(p.text) as { namespaces: string[][] }).namespaces;
    if ("limit" in body) expect(theirs.length).toBe(mine.length);
    else expect(sorted(theirs)).toEqual(sorted(mine));
  });

  it.each([
    { namespace_prefix: ["users"] },
    { namespace_prefix: ["users", "alice"] },
    { namespace_prefix: ["user"] },
    { namespace_prefix: ["users", "al_ce"] },
    { namespace_prefix: ["users", "100%"] },
    { namespace_prefix: ["back\\slash"] },
    { namespace_prefix: ["users"], filter: { tag: "low" } },
    { namespace_prefix: ["users"], filter: { even: true } },
    { namespace_prefix: ["users"], filter: { i: { $gt: 1 } } },
    { namespace_prefix: ["users"], filter: { i: { $lte: 2 }, tag: { $ne: "other" } } },
    { namespace_prefix: ["users"], filter: { tag: { $in: ["low", "nope"] } } },
    { namespace_prefix: ["users"], filter: { tag: { $gt: "a" } } },
    { namespace_prefix: ["users"], filter: { missing: 1 } },
    { filter: { tag: "high" } },
    { namespace_prefix: ["users"], limit: 100, query: "alice" },
  ])("items %j", async (body) => {
    const { m, p } = await both("/store/items/search", { limit: 100, ...body });
    expect(p.status, p.text).toBe(m.status);
    const view = (text: string) =>
      (JSON.parse(text) as { items: Array<{ namespace: string[]; key: string; value: unknown }> }).items.map(({ namespace, key, value }) => ({
        namespace,
        key,
        value,
      }));
    expect(sorted(view(p.text))).toEqual(sorted(view(m.text)));
  });
});
