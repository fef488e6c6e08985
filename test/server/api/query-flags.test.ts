// Yes/no query parameters mean the same on every route: true / 1 / yes in
// any case are yes; false / 0 / no / empty / absent / anything else are no.
// Before one parser (http/query.ts), `?delete_threads=True` was no while
// `?subgraphs=True` was yes. Memory only: the parsing is the routes', not a
// backend's.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { queryFlag, queryFlagSaysNo } from "../../../src/server/http/query.ts";

const YES = ["true", "True", "TRUE", "1", "yes", "Yes", "YES"];
const NO = ["false", "False", "FALSE", "0", "no", "NO", "", "maybe", "2"];

describe("queryFlag", () => {
  it.each(YES)("%j is yes", (value) => expect(queryFlag(value)).toBe(true));
  it.each(NO)("%j is no", (value) => expect(queryFlag(value)).toBe(false));
  it("absent is no; a repeated parameter is read by its first value", () => {
    expect(queryFlag(undefined)).toBe(false);
    expect(queryFlag(["True", "false"])).toBe(true);
    expect(queryFlag(["0", "1"])).toBe(false);
  });
  it("says no explicitly only for false / 0 / no / empty (xray's other values are depths)", () => {
    for (const value of ["false", "FALSE", "0", "no", "No", ""]) expect(queryFlagSaysNo(value)).toBe(true);
    for (const value of [undefined, "true", "2", "maybe"]) expect(queryFlagSaysNo(value)).toBe(false);
  });
  it("is the only yes/no parser of the HTTP routes", () => {
    const dir = join(import.meta.dirname, "../../../src/server/http");
    const parsers = readdirSync(dir)
      .filter((file) => file.endsWith(".ts") && file !== "query.ts")
      .filter((file) =>
        /\[\s*"true"\s*,\s*"1"|includes\(\s*\(?\s*\w+[^)]*\)?\.toLowerCase\(\)\s*\)|"yes"/.test(readFileSync(join(dir, file), "utf8")),
      );
    expect(parsers).toEqual([]);
  });
});

describe("yes/no query parameters over HTTP (memory)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("memory");
  });
  afterAll(async () => {
    await server?.close();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  const query = (name: string, value: string | undefined) => (value === undefined ? "" : `?${name}=${encodeURIComponent(value)}`);

  /** DELETE /assistants/:id?delete_threads=value: whether the assistant's thread went with it. */
  async function deletesThreads(value: string | undefined): Promise<boolean> {
    const assistant = await server.client.assistants.create({ graphId: "simple" });
    const thread = await server.client.threads.create({ metadata: { assistant_id: assistant.assistant_id } });
    const res = await api(`/assistants/${assistant.assistant_id}${query("delete_threads", value)}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    return (await api(`/threads/${thread.thread_id}`)).status === 404;
  }

  it.each(YES)("delete_threads=%j deletes the assistant's threads", async (value) => {
    expect(await deletesThreads(value)).toBe(true);
  });
  it.each([...NO, undefined])("delete_threads=%j keeps them", async (value) => {
    expect(await deletesThreads(value)).toBe(false);
  });

  /** POST .../cancel?wait=value on a running run: 204 after it ended when waiting, else 202 at once. */
  async function cancelStatus(value: string | undefined): Promise<number> {
    const thread = await server.client.threads.create();
    const run = await server.client.runs.create(thread.thread_id, "slow", { input: { sleep: 120_000 } });
    const res = await api(`/threads/${thread.thread_id}/runs/${run.run_id}/cancel${query("wait", value)}`, { method: "POST" });
    await server.client.runs.join(thread.thread_id, run.run_id);
    return res.status;
  }

  it.each(["True", "1", "yes"])("cancel wait=%j waits (204)", async (value) => {
    expect(await cancelStatus(value)).toBe(204);
  });
  it.each(["False", "0", "no", undefined])("cancel wait=%j does not (202)", async (value) => {
    expect(await cancelStatus(value)).toBe(202);
  });

  /** GET /assistants/:id/graph?xray=value for a graph with a subgraph: its node ids. */
  const graphNodes = async (value: string | undefined) => {
    const res = await api(`/assistants/nested/graph${query("xray", value)}`);
    expect(res.status).toBe(200);
    const graph = (await res.json()) as { nodes: { id: string }[] };
    return graph.nodes.map((node) => node.id).sort();
  };

  it("xray: yes spellings draw the subgraph, no spellings do not", async () => {
    const flat = await graphNodes(undefined);
    const deep = await graphNodes("true");
    expect(deep).not.toEqual(flat);
    for (const value of ["True", "TRUE", "1", "yes"]) expect(await graphNodes(value)).toEqual(deep);
    for (const value of ["false", "False", "FALSE", "0", "no", "NO"]) expect(await graphNodes(value)).toEqual(flat);
  });
});
