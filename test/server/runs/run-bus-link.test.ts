// The engine's messages to and from other processes, against an in-memory bus.
import { describe, expect, it, vi } from "vitest";
import { RunBusLink, type RunBusHandlers } from "../../../src/server/runs/run-bus-link.ts";
import { createLogger } from "../../../src/server/logger.ts";
import type { BusMessage, RunBus } from "../../../src/server/persistence/types.ts";

function fakeBus() {
  const listeners = new Set<(message: BusMessage) => void>();
  const published: BusMessage[] = [];
  const bus = {
    publish: vi.fn(async (message: BusMessage) => void published.push(message)),
    subscribe: (listener: (message: BusMessage) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as RunBus;
  return { bus, published, deliver: (message: BusMessage) => listeners.forEach((l) => l(message)), listeners };
}

const handlers = (): RunBusHandlers => ({ created: vi.fn(), ended: vi.fn(), cancel: vi.fn(), logGrew: vi.fn() });
const log = createLogger("silent");

describe("RunBusLink", () => {
  it("hands each message of another process to its handler, until closed", () => {
    const { bus, deliver, listeners } = fakeBus();
    const on = handlers();
    const link = new RunBusLink(bus, log, on);
    deliver({ type: "run_created" });
    deliver({ type: "run_ended", run_id: "r1", thread_id: "t1" });
    deliver({ type: "cancel", run_id: "r2", action: "rollback" });
    deliver({ type: "events", run_id: "r3" });
    deliver({ type: "thread_events", thread_id: "t1" });
    expect(on.created).toHaveBeenCalledTimes(1);
    expect(on.ended).toHaveBeenCalledWith("r1");
    expect(on.cancel).toHaveBeenCalledWith("r2", "rollback");
    expect(on.logGrew).toHaveBeenCalledWith("r3");
    link.close();
    expect(listeners.size).toBe(0);
  });

  it("announces runs and asks for cancels on the bus; without one, a cancel is nobody's", async () => {
    const { bus, published } = fakeBus();
    const link = new RunBusLink(bus, log, handlers());
    link.announceCreated();
    expect(await link.requestCancel("r1", "interrupt")).toBe(true);
    await vi.waitFor(() => expect(published).toEqual([{ type: "run_created" }, { type: "cancel", run_id: "r1", action: "interrupt" }]));

    const alone = new RunBusLink(undefined, log, handlers());
    alone.announceCreated();
    expect(await alone.requestCancel("r1", "interrupt")).toBe(false);
  });

  it("logs a failed announcement instead of throwing", async () => {
    const { bus } = fakeBus();
    vi.mocked(bus.publish).mockRejectedValueOnce(new Error("connection lost"));
    const warn = vi.fn();
    const link = new RunBusLink(bus, { ...log, warn }, handlers());
    link.announceCreated();
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith("bus publish failed", { error: "connection lost" }));
  });
});
