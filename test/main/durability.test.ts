// The durability probe: the comparison as a pure function, then the whole
// snapshot -> restart -> compare cycle through StudioHost against the real
// CLI, in memory (lost, explained) and on PostgreSQL (survived, graceful and kill).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { compareSnapshots, summarize, type ThreadSnapshot } from "../../src/main/durability.ts";
import { StudioHost } from "../../src/main/host.ts";
import { createTestDatabase } from "../helpers/postgres.ts";

const snap = (threadId: string, checkpointId: string | null, values: unknown = { n: 1 }): ThreadSnapshot => ({
  threadId,
  checkpointId,
  historyHead: checkpointId,
  valuesJson: JSON.stringify(values),
});

describe("compareSnapshots", () => {
  it("classifies survived, changed and lost threads", () => {
    const before = [snap("a", "c1"), snap("b", "c2"), snap("c", "c3"), snap("d", "c4")];
    const after = [snap("a", "c1"), snap("b", "c2b"), snap("c", "c3", { n: 2 }), snap("d", null)];
    const result = compareSnapshots(before, after);
    expect(result.map((r) => [r.threadId, r.outcome])).toEqual([
      ["a", "survived"],
      ["b", "changed"],
      ["c", "changed"],
      ["d", "lost"],
    ]);
    expect(result[1]!.detail).toMatch(/checkpoint id differs/);
    expect(result[2]!.detail).toBe("state values differ");
    expect(result[3]!.detail).toMatch(/checkpoints are gone/);
    expect(compareSnapshots([snap("x", "c")], [])[0]).toMatchObject({ outcome: "lost", detail: "thread not found after restart" });
  });

  it("writes a verdict, and in memory mode explains why lost is expected and how to switch", () => {
    const lost = summarize(compareSnapshots([snap("a", "c1"), snap("b", "c2")], []), "kill", "memory");
    expect(lost.verdict).toBe("lost");
    expect(lost.summary).toBe("All 2 threads were lost after a kill (SIGKILL) restart.");
    expect(lost.explanation).toMatch(/in-memory persistence.*expected.*PostgreSQL.*Save and restart/s);
    const ok = summarize(compareSnapshots([snap("a", "c1")], [snap("a", "c1")]), "graceful", "postgres");
    expect(ok).toMatchObject({ verdict: "survived", summary: "All 1 thread survived a graceful restart." });
    expect(ok.explanation).toBeUndefined();
    expect(summarize([], "graceful", "memory").verdict).toBe("no-threads");
    expect(summarize(compareSnapshots([snap("a", "c1"), snap("b", "c")], [snap("a", "c1")]), "graceful", "postgres").verdict).toBe("partial");
  });
});

describe("verifyDurability through StudioHost and the real server", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function hostWith(persistence: "memory" | "postgres", uri = ""): Promise<StudioHost> {
    const dataDir = mkdtempSync(join(tmpdir(), "skeino-host-"));
    const host = new StudioHost({ dataDir });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    cleanups.push(() => host.close());
    if (persistence === "postgres") {
      const applied = await host.saveSettings({ persistence, postgresUri: uri });
      expect(applied.ok, applied.error).toBe(true);
    } else {
      await host.start();
    }
    return host;
  }

  async function seed(host: StudioHost, n: number): Promise<string[]> {
    const status = await host.getServerStatus();
    const client = new Client({ apiUrl: status.url! });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = await client.threads.create();
      await client.runs.wait(t.thread_id, "counter", { input: { by: i + 1 } });
      ids.push(t.thread_id);
    }
    return ids;
  }

  it("memory: every thread is lost, and the report says why", async () => {
    const host = await hostWith("memory");
    await seed(host, 2);
    const phases: string[] = [];
    host.onServerEvent((e) => e.type === "durability" && phases.push(e.phase));
    const report = await host.verifyDurability("graceful");
    expect(report.verdict).toBe("lost");
    expect(report.counts).toEqual({ survived: 0, changed: 0, lost: 2 });
    expect(report.scheme).toBe("memory");
    expect(report.explanation).toMatch(/expected/);
    expect(report.bootIdAfter).not.toBe(report.bootIdBefore);
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(phases).toEqual(expect.arrayContaining(["snapshot", "restart", "compare", "done"]));
  });

  it("postgres: every thread survives a graceful restart and a kill", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const host = await hostWith("postgres", db.uri);
    expect((await host.getServerStatus()).scheme).toBe("postgres");
    const ids = await seed(host, 3);
    for (const mode of ["graceful", "kill"] as const) {
      const report = await host.verifyDurability(mode);
      expect(report.verdict, report.summary).toBe("survived");
      expect(report.threads.map((t) => t.threadId).sort()).toEqual([...ids].sort());
      expect(report.threads.every((t) => t.checkpointBefore && t.checkpointBefore === t.checkpointAfter)).toBe(true);
    }
  });

  it("rejects a bad URI with a clear error and keeps the running server", async () => {
    const host = await hostWith("memory");
    const before = await host.getServerStatus();
    const applied = await host.saveSettings({ persistence: "postgres", postgresUri: "postgres://nobody:x@127.0.0.1:1/none" });
    expect(applied.ok).toBe(false);
    expect(applied.error).toMatch(/Nothing is listening at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(applied.settings.persistence).toBe("memory");
    expect(applied.status.bootId).toBe(before.bootId);
    expect(applied.status.state).toBe("ready");
  });
});
