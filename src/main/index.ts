// Electron main: one hardened window, the HostApi over IPC, the skeino server
// in a utilityProcess (child_process.fork breaks when the RunAsNode fuse is
// off, electron/electron#41255). Everything else lives in plain-Node modules.
import { app, BrowserWindow, dialog, Menu, net, type OpenDialogOptions, protocol, safeStorage, session, shell, utilityProcess } from "electron";
import { existsSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { StudioHost } from "./host.ts";
import { bindHostApi } from "./ipc.ts";
import type { SecretCodec } from "./settings-store.ts";
import type { ChildLauncher } from "./supervisor.ts";

const utilityLauncher: ChildLauncher = (entry, args, env) => {
  const child = utilityProcess.fork(entry, args, { env, stdio: "pipe", serviceName: "skeino-server" });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  return {
    get pid() {
      return child.pid;
    },
    stdout: child.stdout,
    stderr: child.stderr,
    onExit(listener) {
      if (exited) listener(null, null);
      else child.once("exit", (code) => listener(code, null));
    },
    kill(signal) {
      if (exited || child.pid === undefined) return;
      // utilityProcess.kill() only sends SIGTERM; the crash simulation needs SIGKILL.
      if (signal === "SIGKILL") process.kill(child.pid, "SIGKILL");
      else child.kill();
    },
  };
};

/** safeStorage answers only after app "ready" (on Linux it needs the keyring). */
function safeStorageCodec(): SecretCodec | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  return {
    name: "electron-safeStorage",
    encrypt: (plain) => safeStorage.encryptString(plain).toString("base64"),
    decrypt: (stored) => safeStorage.decryptString(Buffer.from(stored, "base64")),
  };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const dataDir = argValue("--data-dir") ?? process.env.SKEINO_STUDIO_DATA_DIR ?? join(app.getPath("userData"), "studio");
// The renderer is served from a privileged custom scheme rather than file://:
// a file:// page sends "Origin: null", which the server's CORS rightly refuses;
// this origin is handed to the server as its one extra allowed origin.
const SCHEME = "skeino-studio";
const APP_ORIGIN = `${SCHEME}://app`;
const rendererDir = resolve(import.meta.dirname, "../renderer");
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const isTrustedUrl = (url: string): boolean => url.startsWith(rendererUrl ?? `${APP_ORIGIN}/`);

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  // ws: the run panel streams runs over the protocol's WebSocket.
  "connect-src 'self' http://127.0.0.1:* ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

let host: StudioHost | null = null;

async function createWindow(projectDir: string | undefined): Promise<void> {
  host = new StudioHost({
    dataDir,
    projectDir,
    launcher: utilityLauncher,
    codec: safeStorageCodec(),
    serverEnv: { SKEINO_CORS_ORIGINS: rendererUrl ? new URL(rendererUrl).origin : APP_ORIGIN },
    pickFolder: async () => {
      const options: OpenDialogOptions = { properties: ["openDirectory"], title: "Open a folder with langgraph.json" };
      const focused = BrowserWindow.getFocusedWindow();
      const result = focused ? await dialog.showOpenDialog(focused, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: "#0f1115",
    title: "Skeino Studio",
    webPreferences: {
      preload: join(import.meta.dirname, "../preload/index.cjs"),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  const unbind = bindHostApi(host, win, isTrustedUrl);
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith("https://")) void shell.openExternal(url);
    return { action: "deny" };
  });
  win.webContents.on("will-navigate", (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  win.on("closed", () => unbind());
  await win.loadURL(rendererUrl ?? `${APP_ORIGIN}/index.html`);
  void host.start();
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: "File",
        submenu: [
          {
            label: "Open Project…",
            accelerator: "CmdOrCtrl+O",
            click: () => void host?.openProject(),
          },
          { type: "separator" },
          { role: "quit" },
        ],
      },
      { role: "editMenu" },
      { role: "viewMenu" },
    ]),
  );
}

app.on("web-contents-created", (_e, contents) => {
  contents.on("will-attach-webview", (event) => event.preventDefault());
});

void app.whenReady().then(async () => {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = resolve(rendererDir, `.${decodeURIComponent(url.pathname)}`);
    if (url.host !== "app" || !file.startsWith(rendererDir + sep) || !existsSync(file)) return new Response("not found", { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set("Content-Security-Policy", CSP);
    return new Response(res.body, { status: res.status, headers });
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, "Content-Security-Policy": [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  buildMenu();
  await createWindow(argValue("--project"));
});

let quitting = false;
app.on("before-quit", (event) => {
  if (quitting || !host) return;
  event.preventDefault();
  quitting = true;
  void host.close().finally(() => app.quit());
});
app.on("window-all-closed", () => app.quit());
