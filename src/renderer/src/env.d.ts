import type { HostApi } from "../../shared/host-api.ts";

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser shell. */
    skeino?: HostApi;
  }
}

declare module "*.css";

export {};
