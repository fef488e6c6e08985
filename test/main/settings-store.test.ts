// SettingsStore: the file on disk (mode 0600, password split out and
// optionally encrypted), the masked view for the renderer, unmasking, validation.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PASSWORD_MASK } from "../../src/shared/host-api.ts";
import { maskPassword, resolveDataDir, type SecretCodec, SettingsStore } from "../../src/main/settings-store.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skeino-settings-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const URI = "postgres://app:s3cr%40t-pw@db.local:5433/skeino";

describe("SettingsStore", () => {
  it("defaults to memory when there is no file", () => {
    expect(new SettingsStore(tempDir()).read()).toEqual({ persistence: "memory", postgresUri: "" });
  });

  it("writes a 0600 file without the password in the URI and never returns the password to the renderer", () => {
    const dir = tempDir();
    const store = new SettingsStore(dir);
    const view = store.write({ persistence: "postgres", postgresUri: URI });
    expect(view.postgresUri).toBe(`postgres://app:${PASSWORD_MASK}@db.local:5433/skeino`);
    expect(view.postgresUri).not.toContain("s3cr");
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    const onDisk = JSON.parse(readFileSync(store.file, "utf-8")) as { postgresUri: string };
    expect(onDisk.postgresUri).toBe("postgres://app@db.local:5433/skeino");
    expect(new SettingsStore(dir).readFull().postgresUri).toBe(URI);
  });

  it("keeps the stored password when the masked URI comes back, and takes a new one when typed", () => {
    const store = new SettingsStore(tempDir());
    const masked = store.write({ persistence: "postgres", postgresUri: URI }).postgresUri;
    expect(store.unmask(masked)).toBe(URI);
    store.write({ persistence: "postgres", postgresUri: masked.replace("5433", "5434") });
    expect(store.readFull().postgresUri).toBe(URI.replace("5433", "5434"));
    store.write({ persistence: "postgres", postgresUri: "postgres://app:other@db.local:5434/skeino" });
    expect(store.readFull().postgresUri).toBe("postgres://app:other@db.local:5434/skeino");
  });

  it("encrypts the password with the codec when one is given", () => {
    const dir = tempDir();
    const codec: SecretCodec = {
      name: "rot",
      encrypt: (s) => Buffer.from(s).toString("base64"),
      decrypt: (s) => Buffer.from(s, "base64").toString(),
    };
    new SettingsStore(dir, codec).write({ persistence: "postgres", postgresUri: URI });
    const raw = readFileSync(join(dir, "settings.json"), "utf-8");
    expect(raw).not.toContain("s3cr");
    expect(raw).toContain('"codec": "rot"');
    expect(new SettingsStore(dir, codec).readFull().postgresUri).toBe(URI);
    // Without the codec (another machine) the password is simply unavailable.
    expect(new SettingsStore(dir).readFull().postgresUri).toBe("postgres://app@db.local:5433/skeino");
  });

  it("rejects bad settings with messages a user can act on", () => {
    const store = new SettingsStore(tempDir());
    expect(() => store.write({ persistence: "postgres", postgresUri: "" })).toThrow(/Enter a Postgres URI/);
    expect(() => store.write({ persistence: "postgres", postgresUri: "mysql://x@y/z" })).toThrow(/must start with postgres:\/\//);
    expect(() => store.write({ persistence: "postgres", postgresUri: "not a uri" })).toThrow(/is not a URI/);
    expect(() => store.write({ persistence: "cloud" as "memory", postgresUri: "" })).toThrow(/Persistence must be one of/);
    expect(() => store.unmask(`postgres://app:${PASSWORD_MASK}@h/db`)).toThrow(/no password is stored/);
  });

  it("falls back to defaults on a corrupt file", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "settings.json"), "{not json");
    expect(new SettingsStore(dir).read().persistence).toBe("memory");
  });

  it("masks passwords for logs and resolves the data dir from flag, then env", () => {
    expect(maskPassword("postgres://u:pw@h:1/d")).toBe(`postgres://u:${PASSWORD_MASK}@h:1/d`);
    expect(maskPassword("postgres://u@h/d")).toBe("postgres://u@h/d");
    expect(resolveDataDir(["node", "x", "--data-dir", "/a"], { SKEINO_STUDIO_DATA_DIR: "/b" })).toBe("/a");
    expect(resolveDataDir(["node", "x", "--data-dir=/c"], {})).toBe("/c");
    expect(resolveDataDir(["node", "x"], { SKEINO_STUDIO_DATA_DIR: "/b" })).toBe("/b");
  });
});
