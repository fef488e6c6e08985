// The installed skeino version, read from its package.json (two folders up
// from both src/server and dist/server).
import { createRequire } from "node:module";

export const SKEINO_VERSION = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
