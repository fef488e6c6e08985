// The hostile sweep: every registered route gets its valid request and then
// hundreds of generated mutations (sweep-cases.ts), sent in lockstep to a
// memory server and a PostgreSQL server seeded alike. Both must answer with
// the same status class, neither with a 5xx or a hang, and both must keep
// serving. The counts are printed for the record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteOptions } from "fastify";
import { createApp } from "../../src/server/index.ts";
import type { SkeinoSettings } from "../../src/server/settings.ts";
import { testGraphs } from "../fixtures/graphs.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { isUp, send, type RawResponse } from "./support.ts";
import { casesFor, missingSamples, type RouteInfo, type SweepCase } from "./sweep-cases.ts";

interface SweepServer {
  name: "memory" | "postgres";
  url: string;
  routes: RouteInfo[];
  close(): Promise<void>;
}

function describeRoute(route: RouteOptions): RouteInfo[] {
  const schema = (route.schema ?? {}) as { body?: { properties?: object; items?: { properties?: object } }; querystring?: { properties?: object } };
  const bodyProps = schema.body?.properties ?? schema.body?.items?.properties ?? {};
  return [route.method]
    .flat()
    .filter((m) => m !== "HEAD")
    .map((method) => ({
      method,
      url: route.url,
      bodyFields: Object.keys(bodyProps),
      bodyIsArray: schema.body?.items !== undefined,
      queryFields: Object.keys(schema.querystring?.properties ?? {}),
    }));
}

async function startSweepServer(name: "memory" | "postgres"): Promise<SweepServer> {
  let db: TestDatabase | undefined;
  const settings: SkeinoSettings = { logLevel: "error", internalTruncate: true, sseHeartbeatMs: 1_000 };
  if (name === "postgres") {
    db = await createTestDatabase();
    Object.assign(settings, { checkpointerScheme: "postgres", checkpointerUri: db.uri });
  }
  const app = createApp({ graphs: testGraphs, settings });
  const routes: RouteInfo[] = [];
  // Routes are registered while the app boots: listen to them before it does.
  app.fastify.addHook("onRoute", (route) => void routes.push(...describeRoute(route)));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    name,
    url,
    routes,
    close: async () => {
      await app.close();
      await db?.drop();
    },
  };
}

type Ids = Record<"thread" | "assistant" | "run" | "checkpoint" | "cron", string>;

/** A thread with a finished run (so a checkpoint), an assistant, a store item and a cron that is never due. */
async function seed(server: SweepServer): Promise<Ids> {
  const json = async (res: Promise<RawResponse>) => JSON.parse((await res).text) as Record<string, unknown>;
  const thread = (await json(send(server.url, { method: "POST", path: "/threads", body: { metadata: { k: "v" } } }))).thread_id as string;
  const assistant = (await json(send(server.url, { method: "POST", path: "/assistants", body: { graph_id: "simple", name: "seed" } })))
    .assistant_id as string;
  const run = (await json(send(server.url, { method: "POST", path: `/threads/${thread}/runs`, body: { assistant_id: "simple", input: {} } })))
    .run_id as string;
  await send(server.url, { method: "GET", path: `/threads/${thread}/runs/${run}/join` }, 30_000);
  const state = await json(send(server.url, { method: "GET", path: `/threads/${thread}/state` }));
  const checkpoint = ((state.checkpoint as { checkpoint_id?: string } | null)?.checkpoint_id ?? "") as string;
  await send(server.url, { method: "PUT", path: "/store/items", body: { namespace: ["sweep", "ns"], key: "k", value: { v: 1 } } });
  const cron = (
    await json(
      send(server.url, {
        method: "POST",
        path: `/threads/${thread}/runs/crons`,
        body: { assistant_id: "simple", schedule: "0 0 1 1 *", metadata: { k: "v" } },
      }),
    )
  ).cron_id as string;
  return { thread, assistant, run, checkpoint, cron };
}

const fill = (text: string, ids: Ids) =>
  text
    .replaceAll("{thread}", ids.thread)
    .replaceAll("{assistant}", ids.assistant)
    .replaceAll("{run}", ids.run)
    .replaceAll("{checkpoint}", ids.checkpoint)
    .replaceAll("{cron}", ids.cron);
const fillBody = (body: unknown, ids: Ids) => (body === undefined ? undefined : (JSON.parse(fill(JSON.stringify(body), ids)) as unknown));

const statusClass = (status: number) => (status === 0 ? "no answer" : `${Math.floor(status / 100)}xx`);

interface Outcome {
  c: SweepCase;
  memory: string;
  postgres: string;
}

async function answer(server: SweepServer, c: SweepCase, ids: Ids): Promise<string> {
  try {
    const res = await send(
      server.url,
      { method: c.method, path: fill(c.path, ids), body: fillBody(c.body, ids), raw: c.raw, headers: c.headers, untilHeaders: c.untilHeaders },
      30_000,
    );
    return `${res.status} ${res.text.slice(0, 160).replace(/\s+/g, " ")}`;
  } catch (error) {
    return `0 ${(error as Error).message}`;
  }
}

describe("hostile sweep: every route, generated cases, memory and PostgreSQL alike", () => {
  let memory: SweepServer;
  let postgres: SweepServer;
  const tally = { cases: 0, requests: 0, byClass: {} as Record<string, number>, mismatches: 0, fiveHundreds: 0 };

  beforeAll(async () => {
    [memory, postgres] = await Promise.all([startSweepServer("memory"), startSweepServer("postgres")]);
  });
  afterAll(async () => {
    console.info(
      `hostile sweep: ${tally.cases} cases, ${tally.requests} requests (both backends), by status class ${JSON.stringify(tally.byClass)}, ${tally.mismatches} class mismatches, ${tally.fiveHundreds} 5xx`,
    );
    await memory?.close();
    await postgres?.close();
  });

  it("covers every registered route with a sample, and both backends register the same routes", () => {
    expect(missingSamples(memory.routes)).toEqual([]);
    expect(postgres.routes.map((r) => `${r.method} ${r.url}`)).toEqual(memory.routes.map((r) => `${r.method} ${r.url}`));
  });

  it("generates hundreds of cases", () => {
    const total = memory.routes.reduce((n, r) => n + casesFor(r).length, 0);
    expect(total).toBeGreaterThan(500);
  });

  // Route by route (rows seeded afresh for each), every case sent to both servers at once.
  const routeNames = () => memory.routes.map((r) => `${r.method} ${r.url}`);
  it("answers every case alike on both backends, without a 5xx or a hang", async () => {
    const failures: string[] = [];
    for (const name of routeNames()) {
      const route = memory.routes.find((r) => `${r.method} ${r.url}` === name) as RouteInfo;
      const [memIds, pgIds] = await Promise.all([seed(memory), seed(postgres)]);
      const outcomes: Outcome[] = [];
      for (const c of casesFor(route)) {
        const [m, p] = await Promise.all([answer(memory, c, memIds), answer(postgres, c, pgIds)]);
        outcomes.push({ c, memory: m, postgres: p });
      }
      for (const o of outcomes) {
        const ms = Number(o.memory.split(" ")[0]);
        const ps = Number(o.postgres.split(" ")[0]);
        tally.cases += 1;
        tally.requests += 2;
        for (const s of [ms, ps]) tally.byClass[statusClass(s)] = (tally.byClass[statusClass(s)] ?? 0) + 1;
        const bad = ms >= 500 || ps >= 500 || ms === 0 || ps === 0;
        if (ms >= 500 || ps >= 500) tally.fiveHundreds += 1;
        const mismatch = statusClass(ms) !== statusClass(ps);
        if (mismatch) tally.mismatches += 1;
        if (bad || mismatch) failures.push(`${name} — ${o.c.name}: memory ${o.memory.slice(0, 120)} | postgres ${o.postgres.slice(0, 120)}`);
      }
      expect(await isUp(memory.url), `memory after ${name}`).toBe(true);
      expect(await isUp(postgres.url), `postgres after ${name}`).toBe(true);
    }
    expect(failures).toEqual([]);
  }, 900_000);
});
