#!/usr/bin/env node
// The skeino CLI entry: registers the TypeScript loader (skeino and the user's
// graph files are loaded without a build step), then hands over to cli.ts.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/server/cli.ts");
// Exit explicitly: after a graceful close nothing we own is left, and a
// leftover handle of a user's graph must not keep the process alive.
process.exit(await main(process.argv.slice(2)));
