// langgraph.json "checkpointer.ttl" and "store.ttl": parsed into settings,
// bad values refused at startup naming the file and the key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifest } from "../../src/server/manifest.ts";
import { resolveSettings } from "../../src/server/settings.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "skeino-manifest-ttl-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(extra: Record<string, unknown>) {
  const file = join(dir, `langgraph-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ graphs: { g: `${join(import.meta.dirname, "../fixtures/graphs.ts")}:simple` }, ...extra }));
  return loadManifest(file);
}

describe("manifest ttl", () => {
  it("reads checkpointer.ttl and store.ttl into settings (checkpointer.ttl alone is not a custom checkpointer)", async () => {
    const manifest = await load({
      checkpointer: { ttl: { strategy: "keep_latest", default_ttl: 60, sweep_interval_minutes: 2 } },
      store: { ttl: { refresh_on_read: false, default_ttl: 30, sweep_interval_minutes: 10 } },
    });
    expect(manifest.settings.threadTtl).toEqual({ strategy: "keep_latest", defaultTtlMinutes: 60, sweepIntervalMinutes: 2 });
    expect(manifest.settings.storeTtl).toEqual({ refreshOnRead: false, defaultTtlMinutes: 30, sweepIntervalMinutes: 10 });
    expect(manifest.settings.checkpointer).toBeUndefined();
    const resolved = resolveSettings(manifest.settings, {});
    expect(resolved.ttlSweepIntervalMs).toBe(120_000);
    expect(resolved.storeTtl.refreshOnRead).toBe(false);
  });

  it("refuses bad ttl values naming the key", async () => {
    await expect(load({ checkpointer: { ttl: { default_ttl: -5 } } })).rejects.toThrow(/"checkpointer.ttl.default_ttl" must be a positive number/);
    await expect(load({ checkpointer: { ttl: { strategy: "archive" } } })).rejects.toThrow(/"checkpointer.ttl.strategy"/);
    await expect(load({ store: { ttl: { refresh_on_read: "yes" } } })).rejects.toThrow(/"store.ttl.refresh_on_read"/);
    await expect(load({ store: { ttl: 5 } })).rejects.toThrow(/"store.ttl" must be/);
  });

  it("defaults: refresh on read, sweep every 5 minutes", () => {
    const resolved = resolveSettings({}, {});
    expect(resolved.storeTtl.refreshOnRead).toBe(true);
    expect(resolved.ttlSweepIntervalMs).toBe(300_000);
  });
});
