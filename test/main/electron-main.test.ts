// The Electron glue (src/main/index.ts, ipc.ts) without an Electron binary:
// the built main bundle runs against a stand-in `electron` module that
// records what main asks of it, and forks the real server for utilityProcess.
// Checks the window hardening, the custom scheme + CSP, IPC sender checks,
// navigation / new-window denial, and that the server starts and stops.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { HOST_METHODS, IPC_CHANNELS, type ServerEvent } from "../../src/shared/host-api.ts";
import { pollUntil } from "../helpers/wait.ts";

const ROOT = join(import.meta.dirname, "..", "..");

type Handler = (...args: unknown[]) => unknown;
const rec = vi.hoisted(() => ({
  dataDir: "",
  windows: [] as Array<{
    options: { webPreferences: Record<string, unknown> };
    loaded: string[];
    openHandler?: (d: { url: string }) => { action: string };
    listeners: Record<string, Handler>;
    sent: unknown[];
  }>,
  ipc: new Map<string, Handler>(),
  protocolHandler: null as null | ((req: Request) => Promise<Response>),
  schemes: [] as unknown[],
  appListeners: {} as Record<string, Handler>,
  quit: 0,
  permission: null as null | Handler,
  menu: [] as Array<{ label?: string; submenu?: Array<{ label?: string; click?: () => unknown }> }>,
  /** What the stand-in folder dialog answers. */
  pickDir: null as string | null,
  dialogs: 0,
}));

vi.mock("electron", async () => {
  const { fork: forkChild } = await import("node:child_process");
  const { readFileSync: read, existsSync: exists } = await import("node:fs");
  const { fileURLToPath: toPath } = await import("node:url");
  class BrowserWindow {
    webContents: Record<string, unknown>;
    private rec: (typeof rec.windows)[number];
    constructor(options: (typeof rec.windows)[number]["options"]) {
      this.rec = { options, loaded: [], listeners: {}, sent: [] };
      rec.windows.push(this.rec);
      const r = this.rec;
      this.webContents = {
        id: 7,
        setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => (r.openHandler = fn),
        on: (ev: string, fn: Handler) => (r.listeners[ev] = fn),
        send: (_channel: string, e: unknown) => r.sent.push(e),
      };
    }
    on() {}
    isDestroyed() {
      return false;
    }
    async loadURL(url: string) {
      this.rec.loaded.push(url);
    }
    static getAllWindows() {
      return [];
    }
    static getFocusedWindow() {
      return null;
    }
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      on: (ev: string, fn: Handler) => (rec.appListeners[ev] = fn),
      getPath: () => rec.dataDir,
      quit: () => rec.quit++,
    },
    BrowserWindow,
    Menu: { setApplicationMenu: () => undefined, buildFromTemplate: (t: typeof rec.menu) => ((rec.menu = t), {}) },
    dialog: {
      showOpenDialog: async () => {
        rec.dialogs++;
        return rec.pickDir ? { canceled: false, filePaths: [rec.pickDir] } : { canceled: true, filePaths: [] };
      },
    },
    shell: { openExternal: async () => undefined },
    safeStorage: { isEncryptionAvailable: () => false },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => undefined },
        setPermissionRequestHandler: (fn: Handler) => (rec.permission = fn),
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => rec.schemes.push(...s),
      handle: (_scheme: string, fn: (req: Request) => Promise<Response>) => (rec.protocolHandler = fn),
    },
    net: {
      fetch: async (url: string) => {
        const path = toPath(url);
        return exists(path) ? new Response(read(path)) : new Response("", { status: 404 });
      },
    },
    ipcMain: {
      handle: (channel: string, fn: Handler) => rec.ipc.set(channel, fn),
      removeHandler: (channel: string) => rec.ipc.delete(channel),
    },
    utilityProcess: {
      fork: (entry: string, args: string[], opts: { env: NodeJS.ProcessEnv }) => {
        const child = forkChild(entry, args, { env: opts.env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
        return {
          get pid() {
            return child.pid;
          },
          stdout: child.stdout,
          stderr: child.stderr,
          once: (ev: string, fn: (code: number | null) => void) => child.once(ev as "exit", (code) => fn(code)),
          kill: () => child.kill("SIGTERM"),
        };
      },
    },
  };
});

beforeAll(() => {
  rec.dataDir = mkdtempSync(join(tmpdir(), "skeino-electron-"));
  process.env.SKEINO_STUDIO_DATA_DIR = rec.dataDir;
  delete process.env.ELECTRON_RENDERER_URL;
  execFileSync(process.execPath, [join(ROOT, "node_modules", "electron-vite", "bin", "electron-vite.js"), "build"], {
    cwd: ROOT,
    stdio: "ignore",
  });
}, 120_000);

afterAll(() => {
  delete process.env.SKEINO_STUDIO_DATA_DIR;
  rmSync(rec.dataDir, { recursive: true, force: true });
});

function waitForReady(win: (typeof rec.windows)[number]): Promise<boolean> {
  // The stub window has no event to await: poll its recorded sends.
  return pollUntil(
    () => win.sent.some((e) => (e as ServerEvent).type === "status" && (e as { status: { state: string } }).status.state === "ready"),
    "the server to become ready",
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}

describe("Electron main (stand-in electron module)", () => {
  it("hardens the window, serves the renderer with a CSP, checks IPC senders and runs the server", async () => {
    await import(join(ROOT, "out", "main", "index.js"));
    await vi.waitFor(() => expect(rec.windows).toHaveLength(1));
    const win = rec.windows[0]!;

    const prefs = win.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/out[\\/]preload[\\/]index\.cjs$/);
    expect(existsSync(String(prefs.preload))).toBe(true);
    expect(rec.schemes).toEqual([expect.objectContaining({ scheme: "skeino-studio" })]);
    expect(win.loaded).toEqual(["skeino-studio://app/index.html"]);

    const page = await rec.protocolHandler!(new Request("skeino-studio://app/index.html"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'self'.*connect-src 'self' http:\/\/127\.0\.0\.1:\*/);
    expect(await page.text()).toContain("Skeino Studio");
    expect((await rec.protocolHandler!(new Request("skeino-studio://app/../../package.json"))).status).toBe(404);
    expect((await rec.protocolHandler!(new Request("skeino-studio://other/index.html"))).status).toBe(404);

    expect(win.openHandler!({ url: "https://example.com" })).toEqual({ action: "deny" });
    let prevented = false;
    win.listeners["will-navigate"]!({ preventDefault: () => (prevented = true) }, "https://evil.example/");
    expect(prevented).toBe(true);
    let granted: boolean | undefined;
    rec.permission!({}, "media", (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);

    expect([...rec.ipc.keys()].sort()).toEqual(HOST_METHODS.map((m) => IPC_CHANNELS.invoke[m]).sort());
    const getStatus = rec.ipc.get(IPC_CHANNELS.invoke.getServerStatus)!;
    const trusted = { sender: { id: 7 }, senderFrame: { url: "skeino-studio://app/index.html" } };
    expect(() => getStatus({ sender: { id: 8 }, senderFrame: trusted.senderFrame })).toThrow(/IPC call refused/);
    expect(() => getStatus({ sender: { id: 7 }, senderFrame: { url: "https://evil.example/" } })).toThrow(/IPC call refused/);

    await waitForReady(win);
    const status = (await getStatus(trusted)) as { state: string; scheme: string; url: string; pid: number };
    expect(status).toMatchObject({ state: "ready", scheme: "memory" });
    // The server accepts the renderer's origin (it was handed SKEINO_CORS_ORIGINS).
    const ok = await fetch(`${status.url}/ok`, { headers: { origin: "skeino-studio://app" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("skeino-studio://app");

    // Open project: the native dialog picks the folder (canceled first), the host restarts the server there.
    expect(status).toMatchObject({ canPickFolder: true });
    const openProject = rec.ipc.get(IPC_CHANNELS.invoke.openProject)!;
    expect(await openProject(trusted)).toMatchObject({ ok: false, canceled: true });
    rec.pickDir = join(ROOT, "test", "fixtures", "durable-project");
    const opened = (await openProject(trusted)) as { ok: boolean; status: { state: string; projectDir: string; pid: number } };
    expect(opened).toMatchObject({ ok: true, status: { state: "ready", projectDir: rec.pickDir } });
    expect(rec.dialogs).toBe(2);
    const recent = (await rec.ipc.get(IPC_CHANNELS.invoke.getRecentProjects)!(trusted)) as Array<{ dir: string }>;
    expect(recent[0]!.dir).toBe(rec.pickDir);
    const fileMenu = rec.menu.find((m) => m.label === "File")!;
    expect(fileMenu.submenu!.map((i) => i.label)).toContain("Open Project…");
    status.pid = opened.status.pid;

    // Quit: main prevents the first quit, closes the host (server stops), then quits.
    let quitPrevented = false;
    rec.appListeners["before-quit"]!({ preventDefault: () => (quitPrevented = true) });
    expect(quitPrevented).toBe(true);
    await vi.waitFor(() => expect(rec.quit).toBe(1), { timeout: 20_000 });
    expect(() => process.kill(status.pid, 0)).toThrow();
  }, 90_000);
});
