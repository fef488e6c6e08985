// Fixtures: a temp data dir per worker (one sub-folder per test), the Studio
// started fresh for each test (browser shell as a child process on port 0,
// its URL read from the line it prints; or the Electron app), a readiness
// signal instead of sleeps, and a bounded close. `postgres` is a worker-scoped
// embedded PostgreSQL, started only by the specs that ask for it.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { _electron, type Browser, type ElectronApplication, expect, type Page, test as base } from "@playwright/test";
import { type E2EPostgres, startPostgres } from "./postgres.ts";

const ROOT = join(import.meta.dirname, "..");

export interface Studio {
  page: Page;
  dataDir: string;
  /** Wait until the status bar says the server is ready. */
  ready(): Promise<void>;
  shot(name: string): Promise<void>;
  /** The app in the electron project (its main process, to stub native dialogs); absent in the browser shell. */
  electron?: ElectronApplication;
  /** Quit and relaunch on the same data dir (the browser shell: a new shell, its URL opened with no route); the page to use after. */
  restart(): Promise<Page>;
}

async function startShell(dataDir: string, project: string | null): Promise<{ url: string; child: ChildProcess }> {
  const projectArgs = project ? ["--project", join(ROOT, project)] : [];
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src", "main", "browser-shell.ts"), "--port", "0", "--data-dir", dataDir, ...projectArgs],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SKEINO_POSTGRES_URI: "" },
    },
  );
  const stderr: string[] = [];
  child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser shell printed no URL in 30 s: ${stderr.join("")}`)), 30_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^Skeino Studio: (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`browser shell exited (${code}) before printing its URL: ${stderr.join("")}`));
    });
  });
  return { url, child };
}

/** SIGTERM, then SIGKILL after 15 s: a wedged shell must not hang the run. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

export const test = base.extend<
  { studio: Studio; initialSettings: Record<string, unknown> | null; project: string | null },
  { workerDir: string; postgres: E2EPostgres; lazyBrowser: () => Promise<Browser> }
>({
  /** settings.json content written before the Studio starts (a previous session's choice). */
  initialSettings: [null, { option: true }],
  /** The project the Studio opens (relative to the repository); null: the bundled example. */
  project: [null, { option: true }],
  // Launched on first use, so the Electron project never starts a browser it does not need.
  lazyBrowser: [
    async ({ playwright, launchOptions }, use) => {
      let browser: Promise<Browser> | undefined;
      await use(() => (browser ??= playwright.chromium.launch(launchOptions)));
      if (browser) await (await browser).close();
    },
    { scope: "worker" },
  ],
  workerDir: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "skeino-e2e-"));
      // Local PostgreSQL (run as "postgres" when the tests run as root) must be able to enter it.
      chmodSync(dir, 0o711);
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "worker" },
  ],
  postgres: [
    async ({}, use) => {
      const pg = await startPostgres();
      await use(pg);
      await pg.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
  studio: async ({ lazyBrowser, workerDir, initialSettings, project }, use, testInfo) => {
    const dataDir = join(workerDir, `t${testInfo.testId}`);
    mkdirSync(dataDir, { recursive: true });
    if (initialSettings) writeFileSync(join(dataDir, "settings.json"), JSON.stringify(initialSettings), { mode: 0o600 });
    // One object for the whole test: restart() swaps its page (Electron) and shell underneath.
    const studio: Studio = {
      page: undefined as unknown as Page,
      dataDir,
      ready: () => expect(studio.page.getByLabel("Server state")).toHaveText(/ready/, { timeout: 45_000 }),
      shot: async (name) => {
        await studio.page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
      },
      restart: async () => studio.page,
    };

    if (testInfo.project.name === "electron") {
      const meta = testInfo.project.metadata as { electronPath?: string; skipReason?: string };
      test.skip(!meta.electronPath, `Electron binary absent: ${meta.skipReason}`);
      const launch = () =>
        _electron.launch({
          executablePath: meta.electronPath,
          // Chromium refuses to start as root with its OS sandbox on (CI containers).
          args: [
            ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
            join(ROOT, "out", "main", "index.js"),
            "--data-dir",
            dataDir,
            ...(project ? ["--project", join(ROOT, project)] : []),
          ],
          cwd: ROOT,
        });
      const close = (app: ElectronApplication) => Promise.race([app.close(), new Promise((r) => setTimeout(r, 15_000))]);
      let app = await launch();
      studio.electron = app;
      studio.page = await app.firstWindow();
      studio.restart = async () => {
        await close(app);
        app = await launch();
        studio.electron = app;
        studio.page = await app.firstWindow();
        return studio.page;
      };
      try {
        await use(studio);
      } finally {
        await close(app);
      }
      return;
    }

    const browser = await lazyBrowser();
    let shell = await startShell(dataDir, project);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    studio.page = page;
    // A new shell on the same data dir, opened at its plain URL (another port, no hash), as after a relaunch.
    studio.restart = async () => {
      await stopChild(shell.child);
      shell = await startShell(dataDir, project);
      await page.goto(shell.url);
      return page;
    };
    try {
      await page.goto(shell.url);
      await use(studio);
    } finally {
      // The shell and its server must go even if closing the context fails.
      try {
        await context.close();
      } finally {
        await stopChild(shell.child);
      }
    }
  },
});

export { expect };
