// E2E: the Studio driven through roles and labels. "browser-shell" runs the
// specs in Debian's Chromium (never a downloaded browser) against the browser
// shell; "electron" runs the same specs through _electron.launch where an
// Electron binary exists, and is skipped with the reason printed elsewhere.
import { defineConfig } from "@playwright/test";
import { findElectronBinary } from "./scripts/electron-binary.mjs";

const electron = findElectronBinary() as { path?: string; reason?: string };
// The config loads in every worker too; say it once.
if (!electron.path && process.env.TEST_WORKER_INDEX === undefined) console.log(`[e2e] electron project skipped: ${electron.reason}`);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // Each test starts its own shell + server (+ PostgreSQL for one file): two cores, one worker.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [["list"]],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1440, height: 900 },
  },
  projects: [
    {
      name: "browser-shell",
      use: {
        browserName: "chromium",
        launchOptions: {
          executablePath: process.env.SKEINO_E2E_CHROMIUM ?? "/usr/bin/chromium",
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        },
      },
    },
    {
      name: "electron",
      metadata: { electronPath: electron.path ?? "", skipReason: electron.reason ?? "" },
    },
  ],
});
