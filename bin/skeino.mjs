#!/usr/bin/env node
// The skeino CLI entry. Registers the TypeScript loader (users' graph files
// load as .ts without a build step), then hands over to cli: the TypeScript
// sources in a checkout of the repository (tests and development never need a
// build), the built dist/ in an installed package (which ships no sources).
import { existsSync } from "node:fs";
import { register } from "tsx/esm/api";

register();
const source = new URL("../src/server/cli.ts", import.meta.url);
const { main } = existsSync(source) ? await import(source.href) : await import("../dist/server/cli.js");
// Exit explicitly: after a graceful close nothing we own is left, and a
// leftover handle of a user's graph must not keep the process alive.
process.exit(await main(process.argv.slice(2)));
