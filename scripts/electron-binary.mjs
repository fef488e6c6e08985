// Where the Electron binary is, without triggering the electron package's
// download (require("electron") downloads when the binary is missing).
// Returns { path } or { reason } saying in one line why there is none.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function findElectronBinary() {
  const pkg = join(root, "node_modules", "electron");
  if (!existsSync(join(pkg, "package.json"))) return { reason: "the electron package is not installed" };
  const pathFile = join(pkg, "path.txt");
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const name = existsSync(pathFile) ? readFileSync(pathFile, "utf-8").trim() : "electron";
    const binary = join(override, name);
    return existsSync(binary) ? { path: binary } : { reason: `ELECTRON_OVERRIDE_DIST_PATH has no ${name}` };
  }
  const dist = join(pkg, "dist");
  if (!existsSync(pathFile)) {
    return { reason: "the Electron binary was never downloaded (node_modules/electron/path.txt is missing; its postinstall could not fetch it)" };
  }
  const binary = join(dist, readFileSync(pathFile, "utf-8").trim());
  if (!existsSync(binary)) return { reason: `the Electron binary is missing at ${binary}` };
  return { path: binary };
}

/** Linux needs an X11 or Wayland display for a window. */
export function displayProblem() {
  if (process.platform !== "linux") return null;
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return null;
  return "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)";
}
