// Local PostgreSQL mode end to end through StudioHost: the Studio initialises
// and runs its own cluster under the data dir, the server uses it, threads
// survive a kill, and a second launch on the same data dir finds them again.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, expect, it } from "vitest";
import { StudioHost } from "../../src/main/host.ts";

const dataDir = mkdtempSync(join(tmpdir(), "skeino-local-pg-"));
const hosts: StudioHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("Local PostgreSQL: zero set-up, durable across a kill and across Studio launches", async () => {
  const host = new StudioHost({ dataDir });
  hosts.push(host);
  const applied = await host.saveSettings({ persistence: "local-postgres", postgresUri: "" });
  expect(applied.ok, applied.error).toBe(true);
  expect(applied.status).toMatchObject({ state: "ready", scheme: "postgres", mode: "local-postgres" });
  expect(statSync(join(dataDir, "postgres", "PG_VERSION")).isFile()).toBe(true);
  expect(statSync(join(dataDir, "local-postgres.json")).mode & 0o777).toBe(0o600);

  const client = new Client({ apiUrl: applied.status.url! });
  const thread = await client.threads.create();
  await client.runs.wait(thread.thread_id, "counter", { input: { by: 7 } });

  const report = await host.verifyDurability("kill");
  expect(report.verdict, report.summary).toBe("survived");

  await host.close();
  const again = new StudioHost({ dataDir });
  hosts.push(again);
  const status = await again.start();
  expect(status).toMatchObject({ state: "ready", scheme: "postgres", mode: "local-postgres" });
  const state = await new Client({ apiUrl: status.url! }).threads.getState(thread.thread_id);
  expect(state.values).toMatchObject({ count: 7 });
});
