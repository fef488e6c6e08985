// The worker pool against a scripted run store: a burst fans out over the
// workers, a wake that arrives while no worker sleeps is not lost, and stop
// drains in-flight runs, aborting them only once the grace period is over.
import { describe, expect, it, vi } from "vitest";
import { WorkerPool } from "../../../src/server/runs/worker-pool.ts";
import { createLogger } from "../../../src/server/logger.ts";
import type { Run } from "../../../src/server/persistence/types.ts";
import { createGate, withCeiling, type Gate } from "../../helpers/wait.ts";

const run = (id: string): Run => ({ run_id: id, thread_id: `t-${id}`, status: "running" }) as Run;

function pool(options: { workers: number; claimNext: () => Promise<Run | undefined>; execute: (run: Run) => Promise<void> }) {
  return new WorkerPool({
    workers: options.workers,
    runs: { claimNext: options.claimNext, nextDueAt: async () => undefined },
    execute: options.execute,
    reap: async () => undefined,
    reaperIntervalMs: 3_600_000,
    log: createLogger("silent"),
  });
}

describe("WorkerPool", () => {
  it("fans a burst out over the workers, one run each at a time", async () => {
    const queue = [run("a"), run("b"), run("c")];
    const gates = new Map<string, Gate>(queue.map((r) => [r.run_id, createGate()]));
    const started: string[] = [];
    const workers = pool({
      workers: 2,
      claimNext: async () => queue.shift(),
      execute: async (r) => {
        started.push(r.run_id);
        await gates.get(r.run_id)?.pass();
      },
    });
    workers.start();
    await vi.waitFor(() => expect(started).toEqual(["a", "b"]));
    gates.get("a")?.open();
    await vi.waitFor(() => expect(started).toEqual(["a", "b", "c"]));
    for (const gate of gates.values()) gate.open();
    await withCeiling(
      workers.stop(60_000, () => undefined),
      "the pool to stop",
    );
  });

  it("keeps a wake that arrives while no worker sleeps", async () => {
    // The only worker is inside a claim that finds nothing when the run is
    // created and wake() is called: it must claim again instead of sleeping.
    const claiming = createGate();
    const queue: Run[] = [];
    let claims = 0;
    const executed: string[] = [];
    const workers = pool({
      workers: 1,
      claimNext: async () => {
        if (claims++ === 0) {
          await claiming.pass();
          return undefined;
        }
        return queue.shift();
      },
      execute: async (r) => {
        executed.push(r.run_id);
      },
    });
    workers.start();
    await claiming.reached;
    queue.push(run("late"));
    workers.wake();
    claiming.open();
    await vi.waitFor(() => expect(executed).toEqual(["late"]));
    await withCeiling(
      workers.stop(60_000, () => undefined),
      "the pool to stop",
    );
  });

  it("drains an in-flight run on stop, and aborts one that outlives the grace period", async () => {
    const finishing = createGate();
    const abortAll = vi.fn();
    let queue = [run("draining")];
    const workers = pool({ workers: 1, claimNext: async () => queue.shift(), execute: () => finishing.pass() });
    workers.start();
    await finishing.reached;
    const stopped = workers.stop(60_000, abortAll);
    finishing.open();
    await withCeiling(stopped, "the pool to drain");
    expect(abortAll).not.toHaveBeenCalled();

    const hanging = createGate();
    queue = [run("hanging")];
    const stuck = pool({
      workers: 1,
      claimNext: async () => queue.shift(),
      execute: () => hanging.pass(),
    });
    stuck.start();
    await hanging.reached;
    await withCeiling(
      stuck.stop(10, () => {
        abortAll();
        hanging.open();
      }),
      "the pool to stop after its grace period",
    );
    expect(abortAll).toHaveBeenCalledTimes(1);
  });
});

describe("WorkerPool with delayed runs", () => {
  it("claims a second delayed run queued behind the first, though the store reports nothing due after each run", async () => {
    // PostgreSQL's pendingAfter says false after a claim and after a finish
    // when no *due* run is left, so the worker sleeps without looking; only
    // the due timer can wake it for the later run.
    const now = Date.now();
    const pending = [
      { run: run("first"), at: now + 150 },
      { run: run("second"), at: now + 600 },
    ];
    const executed: string[] = [];
    const workers = new WorkerPool({
      workers: 1,
      runs: {
        claimNext: async () => {
          const i = pending.findIndex((p) => p.at <= Date.now());
          return i < 0 ? undefined : pending.splice(i, 1)[0]?.run;
        },
        nextDueAt: async () => {
          const later = pending.map((p) => p.at).filter((at) => at > Date.now());
          return later.length ? new Date(Math.min(...later)) : undefined;
        },
        pendingAfter: () => false,
      },
      execute: async (r) => void executed.push(r.run_id),
      reap: async () => undefined,
      reaperIntervalMs: 3_600_000,
      log: createLogger("silent"),
    });
    workers.start();
    // As RunService does on creating each delayed run.
    for (const p of pending) workers.due.scheduleAt(new Date(p.at));
    await vi.waitFor(() => expect(executed).toEqual(["first", "second"]), { timeout: 30_000, interval: 50 });
    await withCeiling(
      workers.stop(60_000, () => undefined),
      "the pool to stop",
    );
  });
});

describe("WorkerPool reservations (a run claimed in its own insert)", () => {
  it("hands a reserved worker its run without a claim; a released one claims as if woken; none when all are busy", async () => {
    let claims = 0;
    const queue: Run[] = [];
    const executed: string[] = [];
    const busy = createGate();
    const workers = pool({
      workers: 1,
      claimNext: async () => {
        claims++;
        return queue.shift();
      },
      execute: async (r) => {
        executed.push(r.run_id);
        if (r.run_id === "long") await busy.pass();
      },
    });
    workers.start();
    await vi.waitFor(() => expect(workers.allBusy).toBe(false));
    const claimsWhenIdle = claims;

    const reserved = workers.reserve();
    expect(reserved?.workerId).toBe(workers.workerId);
    expect(workers.allBusy).toBe(true);
    reserved?.execute(run("handed"));
    await vi.waitFor(() => expect(executed).toEqual(["handed"]));
    // After the run the worker claims once (the scripted store reports nothing about what is pending).
    await vi.waitFor(() => expect(workers.allBusy).toBe(false));
    expect(claims).toBe(claimsWhenIdle + 1);

    queue.push(run("queued"));
    workers.reserve()?.release();
    await vi.waitFor(() => expect(executed).toEqual(["handed", "queued"]));

    await vi.waitFor(() => expect(workers.allBusy).toBe(false));
    workers.reserve()?.execute(run("long"));
    await busy.reached;
    expect(workers.reserve()).toBeUndefined();
    busy.open();
    await withCeiling(
      workers.stop(60_000, () => undefined),
      "the pool to stop",
    );
  });

  it("executes a run handed over after stop began, then stops", async () => {
    const executed: string[] = [];
    const workers = pool({ workers: 1, claimNext: async () => undefined, execute: async (r) => void executed.push(r.run_id) });
    workers.start();
    await vi.waitFor(() => expect(workers.allBusy).toBe(false));
    const reserved = workers.reserve();
    const stopped = workers.stop(60_000, () => undefined);
    expect(workers.reserve()).toBeUndefined();
    reserved?.execute(run("claimed-before-stop"));
    await withCeiling(stopped, "the pool to drain");
    expect(executed).toEqual(["claimed-before-stop"]);
  });
});
