// The Studio on a project with custom auth: it reaches its own server with a
// per-launch credential (the Studio user, handlers still apply), its
// durability probe too; with disable_studio_auth it uses the token from
// Settings, stored masked, and without one the server answers 401.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { Client } from "@langchain/langgraph-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { StudioHost } from "../../src/main/host.ts";
import { PASSWORD_MASK } from "../../src/shared/host-api.ts";

const fixtures = join(import.meta.dirname, "../fixtures");

describe("Studio on a project with custom auth", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function hostOn(project: string): Promise<StudioHost> {
    const dataDir = mkdtempSync(join(tmpdir(), "skeino-host-auth-"));
    const host = new StudioHost({ dataDir, projectDir: join(fixtures, project) });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    cleanups.push(() => host.close());
    await host.start();
    return host;
  }

  it("uses a per-launch credential the server accepts as the Studio user", async () => {
    const host = await hostOn("auth-project");
    const status = await host.getServerStatus();
    expect(status.state, status.error ?? "").toBe("ready");
    expect(status.auth).toEqual({ studioAuthDisabled: false, hasToken: false });
    const token = status.serverHeaders["x-skeino-studio-token"];
    expect(token?.length).toBeGreaterThanOrEqual(32);
    await expect(new Client({ apiUrl: status.url!, callerOptions: { maxRetries: 0 } }).threads.search()).rejects.toThrow("HTTP 401");
    const studio = new Client({ apiUrl: status.url!, defaultHeaders: status.serverHeaders, callerOptions: { maxRetries: 0 } });
    const thread = await studio.threads.create();
    expect(thread.metadata?.owner).toBe("langgraph-studio-user");
    expect(await studio.runs.wait(thread.thread_id, "agent", { input: {} })).toMatchObject({ asked_by: "langgraph-studio-user" });
    // The probe reads threads with the same credential (memory: lost, not failed).
    const report = await host.verifyDurability("graceful");
    expect(report.verdict, report.summary).toBe("lost");
    expect(report.counts.lost).toBe(1);
    // A new launch of the server keeps this Studio's credential; the old one is not written anywhere.
    expect((await host.getServerStatus()).serverHeaders).toEqual(status.serverHeaders);
    expect(JSON.stringify(await host.getSettings())).not.toContain(token);
  });

  it("with disable_studio_auth, sends the token from Settings (masked when read back)", async () => {
    const host = await hostOn("auth-project-no-studio");
    let status = await host.getServerStatus();
    expect(status.auth).toEqual({ studioAuthDisabled: true, hasToken: false });
    expect(status.serverHeaders).toEqual({});
    await expect(
      new Client({
        apiUrl: status.url!,
        defaultHeaders: { "x-skeino-studio-token": "x".repeat(43) },
        callerOptions: { maxRetries: 0 },
      }).threads.search(),
    ).rejects.toThrow("HTTP 401");
    const jwt = await new SignJWT({ sub: "dana", scopes: [] })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("test-only-secret-of-the-auth-fixture-0123456789"));
    const applied = await host.saveSettings({ persistence: "memory", postgresUri: "", authToken: jwt });
    expect(applied.ok, applied.error).toBe(true);
    expect(applied.settings.authToken).toBe(PASSWORD_MASK);
    status = applied.status;
    expect(status.auth).toEqual({ studioAuthDisabled: true, hasToken: true });
    const client = new Client({ apiUrl: status.url!, defaultHeaders: status.serverHeaders, callerOptions: { maxRetries: 0 } });
    expect((await client.threads.create()).metadata?.owner).toBe("dana");
    // Sending the mask back keeps the token; an empty one removes it.
    expect((await host.saveSettings({ persistence: "memory", postgresUri: "", authToken: PASSWORD_MASK })).status.serverHeaders).toEqual({
      Authorization: `Bearer ${jwt}`,
    });
    expect((await host.saveSettings({ persistence: "memory", postgresUri: "", authToken: "" })).status.serverHeaders).toEqual({});
  });
});
