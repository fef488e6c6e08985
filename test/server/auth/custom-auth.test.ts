// CustomAuth and auth filters without a server: handler selection, user
// normalization, results, and the filter semantics of the reference (its
// isAuthMatching cases) together with their containment form.
import { describe, expect, it } from "vitest";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { CustomAuth } from "../../../src/server/auth/custom-auth.ts";
import { describeFilterProblem, filterToContainment, matchesContainment, matchesFilter } from "../../../src/server/auth/filter.ts";
import type { AuthContext, AuthFilter } from "../../../src/server/auth/types.ts";
import { createLogger } from "../../../src/server/logger.ts";
import { HttpError } from "../../../src/server/errors.ts";

const log = createLogger("silent");
const request = (headers: Record<string, string> = {}) => new Request("http://127.0.0.1/threads", { headers });
const alice: AuthContext = { user: { identity: "alice", display_name: "alice", permissions: ["p"], is_authenticated: true }, scopes: ["p"] };

async function status(promise: Promise<unknown>): Promise<[number, string]> {
  try {
    await promise;
    return [200, ""];
  } catch (error) {
    if (error instanceof HttpError) return [error.status, error.message];
    throw error;
  }
}

describe("handler selection: resource:action > resource > *:action > *", () => {
  const calls: string[] = [];
  const note = (name: string) => () => void calls.push(name);
  const auth = new CustomAuth(
    {
      handler: new Auth()
        .authenticate(() => "alice")
        .on("*", note("*"))
        .on("*:read", note("*:read"))
        .on("threads", note("threads"))
        .on("threads:read", note("threads:read"))
        .on("crons:create", note("crons:create")),
    },
    log,
  );
  it.each([
    ["threads:read", "threads:read"],
    ["threads:update", "threads"],
    ["assistants:read", "*:read"],
    ["assistants:update", "*"],
    ["store:search", "*"],
    ["crons:create", "crons:create"],
    ["crons:read", "*:read"],
  ] as const)("%s runs %s (only)", async (event, expected) => {
    calls.length = 0;
    await auth.authorize(alice, event, {});
    expect(calls).toEqual([expected]);
  });
  it("refuses a request that was never authenticated", async () => {
    expect(await status(auth.authorize(undefined, "threads:read", {}))).toEqual([401, "Unauthorized"]);
  });
});

describe("authenticate: normalization and failures", () => {
  const make = (fn: (r: Request) => unknown) => new CustomAuth({ handler: new Auth().authenticate(fn as never) }, log);
  it("a string is an identity without permissions", async () => {
    expect(await make(() => "bob").authenticate(request())).toEqual({
      scopes: [],
      user: { identity: "bob", display_name: "bob", permissions: [], is_authenticated: true },
    });
  });
  it("an object keeps its fields; permissions become the scopes", async () => {
    const context = await make(() => ({ identity: "carol", permissions: ["a", "b"], email: "c@x", is_authenticated: false })).authenticate(request());
    expect(context).toEqual({
      scopes: ["a", "b"],
      user: { identity: "carol", permissions: ["a", "b"], email: "c@x", is_authenticated: false, display_name: "carol" },
    });
  });
  it("HTTPException passes through with its status, message and headers; anything else is a 401", async () => {
    const thrown = make(() => {
      throw new HTTPException(401, { message: "bad token", headers: { "WWW-Authenticate": "Bearer" } });
    });
    const error = await thrown.authenticate(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401, message: "bad token", headers: { "WWW-Authenticate": "Bearer" } });
    expect(
      await status(
        make(() => {
          throw new TypeError("jwt lib exploded");
        }).authenticate(request()),
      ),
    ).toEqual([401, "Unauthorized"]);
    for (const garbage of [undefined, null, 42, "", { name: "no identity" }, { identity: 7 }]) {
      expect((await status(make(() => garbage).authenticate(request())))[0]).toBe(401);
    }
  });
});

describe("authorize: results", () => {
  const make = (result: () => unknown) => new CustomAuth({ handler: new Auth().authenticate(() => "alice").on("threads", result as never) }, log);
  it.each([
    [undefined, undefined],
    [null, undefined],
    [true, undefined],
    [{}, undefined],
    [{ owner: "alice" }, { owner: "alice" }],
  ])("%j allows with filter %j", async (result, filter) => {
    expect(await make(() => result).authorize(alice, "threads:read", {})).toEqual(filter);
  });
  it.each([
    [false, 403],
    [42, 403],
    ["owner", 403],
    [[{ owner: "a" }], 403],
    [{ owner: { $in: ["a"] } }, 403],
    [{ owner: { nested: 1 } }, 403],
    [{ tags: { $contains: { a: 1 } } }, 403],
  ])("%j is refused with %i", async (result, code) => {
    expect((await status(make(() => result).authorize(alice, "threads:read", {})))[0]).toBe(code);
  });
  it("handlers see the event, the user and the permissions, and may mutate the value", async () => {
    const value: { metadata?: Record<string, unknown> } = {};
    const seen: unknown[] = [];
    const auth = new CustomAuth(
      {
        handler: new Auth()
          .authenticate(() => "alice")
          .on("threads:create", ({ event, resource, action, user, permissions, value: v }) => {
            seen.push({ event, resource, action, identity: user.identity, permissions });
            v.metadata = { owner: user.identity };
          }),
      },
      log,
    );
    await auth.authorize(alice, "threads:create", value);
    expect(seen).toEqual([{ event: "threads:create", resource: "threads", action: "create", identity: "alice", permissions: ["p"] }]);
    expect(value.metadata).toEqual({ owner: "alice" });
  });
});

describe("Studio credential", () => {
  const token = "s".repeat(40);
  it("is the Studio user only with this launch's token, and never with a header alone", () => {
    const auth = new CustomAuth({ handler: new Auth().authenticate(() => "x") }, log, token);
    expect(auth.isStudioToken(token)).toBe(true);
    expect(auth.isStudioToken("s".repeat(39))).toBe(false);
    expect(auth.isStudioToken(undefined)).toBe(false);
    expect(auth.studioContext().user).toMatchObject({ identity: "langgraph-studio-user", kind: "StudioUser" });
  });
  it("is ignored when disable_studio_auth is set", () => {
    const auth = new CustomAuth({ handler: new Auth().authenticate(() => "x"), disableStudioAuth: true }, log, token);
    expect(auth.isStudioToken(token)).toBe(false);
  });
});

describe("filters", () => {
  // The reference's isAuthMatching cases (its `unit` set), and the same through the SQL form.
  const cases: [string, Record<string, unknown> | undefined, AuthFilter | undefined, boolean][] = [
    ["no filter", { a: 1 }, undefined, true],
    ["empty metadata", {}, { owner: "x" }, false],
    ["empty filter", { a: 1 }, {}, true],
    ["exact match", { owner: "x" }, { owner: "x" }, true],
    ["exact mismatch", { owner: "y" }, { owner: "x" }, false],
    ["$eq match", { owner: "x" }, { owner: { $eq: "x" } }, true],
    ["$eq mismatch", { owner: "y" }, { owner: { $eq: "x" } }, false],
    ["$eq empty string is a value", { owner: "y" }, { owner: { $eq: "" } }, false],
    ["$contains hit", { tags: ["a", "b"] }, { tags: { $contains: "a" } }, true],
    ["$contains miss", { tags: ["b"] }, { tags: { $contains: "a" } }, false],
    ["$contains on a non-array", { tags: "a" }, { tags: { $contains: "a" } }, false],
    ["$contains all of an array", { tags: ["a", "b", "c"] }, { tags: { $contains: ["a", "c"] } }, true],
    ["$contains some missing", { tags: ["a"] }, { tags: { $contains: ["a", "c"] } }, false],
    ["all conditions pass", { owner: "x", org: "o" }, { owner: "x", org: { $eq: "o" } }, true],
    ["one condition fails", { owner: "x", org: "p" }, { owner: "x", org: { $eq: "o" } }, false],
    ["missing key", { other: "x" }, { owner: "x" }, false],
    ["scalar does not match an array holding it", { owner: ["x"] }, { owner: "x" }, false],
    ["null is a value", { owner: null }, { owner: null }, true],
  ];
  it.each(cases)("%s", (_name, metadata, filter, expected) => {
    expect(matchesFilter(metadata, filter)).toBe(expected);
    if (filter && metadata) expect(matchesContainment(metadata, filterToContainment(filter))).toBe(expected);
  });
  it("names what is wrong with a filter", () => {
    expect(describeFilterProblem({ owner: "x", n: 1, ok: true, none: null })).toBeUndefined();
    expect(describeFilterProblem({ owner: { $ne: "x" } })).toMatch(/unknown operator "\$ne"/);
    expect(describeFilterProblem({ owner: {} })).toMatch(/empty object/);
    expect(describeFilterProblem({ owner: ["x"] })).toMatch(/must be a string/);
    expect(describeFilterProblem({ owner: { $eq: ["x"] } })).toMatch(/\$eq takes/);
  });
});
