// ServerSupervisor with real child processes: the fake server for lifecycle
// edge cases (crash loop, SIGTERM ignored, never ready), the real CLI for
// restart and kill.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServerSupervisor, type SupervisorSnapshot } from "../../src/main/supervisor.ts";
import { createGate, withCeiling } from "../helpers/wait.ts";

const FAKE = join(import.meta.dirname, "fixtures", "fake-server.mjs");
const CLI = join(import.meta.dirname, "..", "..", "bin", "skeino.mjs");
const EXAMPLE = join(import.meta.dirname, "..", "..", "resources", "example", "langgraph.json");

const supervisors: ServerSupervisor[] = [];
function make(opts: ConstructorParameters<typeof ServerSupervisor>[0]): ServerSupervisor {
  const s = new ServerSupervisor(opts);
  supervisors.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function fake(mode: string) {
  return () => ({ entry: FAKE, args: [], env: { ...process.env, FAKE_MODE: mode } });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("ServerSupervisor", () => {
  it("starts a child, reports ready with url, pid and boot id, and stops it gracefully", async () => {
    const sup = make({ spec: fake("ok") });
    const states: string[] = [];
    sup.on((e) => e.type === "status" && states.push(e.snapshot.state));
    const ready = await sup.start();
    expect(ready.state).toBe("ready");
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ready.graphIds).toEqual(["fake"]);
    const pid = ready.pid!;
    expect(isAlive(pid)).toBe(true);
    await sup.stop();
    expect(sup.status.state).toBe("stopped");
    expect(isAlive(pid)).toBe(false);
    expect(states).toEqual(expect.arrayContaining(["starting", "ready", "stopping", "stopped"]));
    expect(sup.getLogs().some((l) => l.stream === "stdout" && l.text.includes("SIGTERM, closing"))).toBe(true);
  });

  it("backs off exponentially on a crash loop, then gives up with a clear error", async () => {
    const sup = make({ spec: fake("crash"), backoff: { initialMs: 50, maxMs: 200, maxCrashes: 4 } });
    const crashes: SupervisorSnapshot[] = [];
    sup.on((e) => e.type === "status" && e.snapshot.state === "crashed" && crashes.push(e.snapshot));
    await expect(sup.start()).rejects.toThrow(/exited with code 3 before it was ready: fake: cannot open the database.*Gave up after 4 crashes/);
    expect(sup.status.state).toBe("error");
    expect(crashes.map((c) => c.crashCount)).toEqual([1, 2, 3]);
    const delays = sup
      .getLogs()
      .map((l) => /Restarting in (\d+) ms/.exec(l.text)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(delays).toEqual([50, 100, 200]);
  });

  it("SIGKILLs a child that ignores SIGTERM after the stop timeout", async () => {
    const sup = make({ spec: fake("ignore-sigterm"), stopTimeoutMs: 300 });
    const { pid } = await sup.start();
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(isAlive(pid!)).toBe(false);
    expect(sup.getLogs().some((l) => l.text.includes("did not exit within 300 ms; SIGKILL"))).toBe(true);
  });

  it("kills a child that never prints the ready line", async () => {
    const sup = make({ spec: fake("silent"), readyTimeoutMs: 400, backoff: { initialMs: 10, maxCrashes: 1 } });
    await expect(sup.start()).rejects.toThrow(/killed by SIGKILL before it was ready/);
    expect(sup.getLogs().some((l) => l.text.includes("not ready after 400 ms"))).toBe(true);
  });

  it("restarts automatically after an unexpected crash of a ready server", async () => {
    const sup = make({ spec: fake("ok"), backoff: { initialMs: 20 } });
    const first = await sup.start();
    const back = new Promise<SupervisorSnapshot>((resolve) => {
      sup.on((e) => {
        if (e.type === "status" && e.snapshot.state === "ready" && e.snapshot.bootId !== first.bootId) resolve(e.snapshot);
      });
    });
    sup.simulateCrash();
    const second = await back;
    expect(second.pid).not.toBe(first.pid);
    expect(second.crashCount).toBe(1);
  });

  it("keeps a bounded ring buffer of log lines", async () => {
    const sup = make({ spec: fake("ok"), logLimit: 3 });
    await sup.start();
    await sup.restart("graceful");
    const logs = sup.getLogs();
    expect(logs).toHaveLength(3);
    expect(logs[2]!.seq).toBeGreaterThan(logs[0]!.seq);
  });

  describe("with the real skeino CLI", () => {
    it("graceful restart and kill restart each bring up a new process with a new boot_id", async () => {
      const sup = make({ spec: () => ({ entry: CLI, args: ["serve", "--config", EXAMPLE, "--port", "0", "--host", "127.0.0.1"] }) });
      const a = await sup.start();
      expect(a.scheme).toBe("memory");
      expect(a.graphIds).toEqual(expect.arrayContaining(["review", "counter"]));
      const ok = await fetch(`${a.url}/ok`);
      expect(ok.status).toBe(200);

      const b = await sup.restart("graceful");
      expect(b.bootId).not.toBe(a.bootId);
      expect(isAlive(a.pid!)).toBe(false);
      expect(sup.getLogs().some((l) => l.text.includes("server exited (code 0)"))).toBe(true);

      const c = await sup.restart("kill");
      expect(c.bootId).not.toBe(b.bootId);
      expect(isAlive(b.pid!)).toBe(false);
      expect(sup.getLogs().some((l) => l.text.includes("server exited (signal SIGKILL)"))).toBe(true);
      expect(c.crashCount).toBe(0);
    });

    it("reports a bad config as an error state with the CLI's message", async () => {
      const sup = make({
        spec: () => ({ entry: CLI, args: ["serve", "--config", "/nonexistent/langgraph.json", "--port", "0"] }),
        backoff: { initialMs: 10, maxCrashes: 2 },
      });
      await expect(sup.start()).rejects.toThrow(/before it was ready/);
      expect(sup.status.state).toBe("error");
      expect(sup.status.error).toMatch(/langgraph\.json|nonexistent/);
    });
  });
});

describe("ServerSupervisor: overlapping calls", () => {
  it("a restart during a slow start settles the first start() instead of leaving it hanging", async () => {
    let calls = 0;
    const booting = createGate();
    const sup = make({
      spec: async () => {
        // The first start waits (like Local PostgreSQL booting); the restart's does not.
        if (calls++ === 0) await booting.pass();
        return { entry: FAKE, args: [], env: { ...process.env, FAKE_MODE: "ok" } };
      },
    });
    const first = sup.start();
    await withCeiling(booting.reached, "the first start to be under way");
    const second = sup.restart("graceful");
    booting.open();
    await expect(first).rejects.toThrow(/superseded/);
    await expect(second).resolves.toMatchObject({ state: "ready" });
  });
});
