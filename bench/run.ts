// `npm run bench`: runs every benchmark in bench/ one after another (each in
// its own process, so they do not disturb each other) and prints their numbers.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const benches = ["server.ts", "protocol.ts", "postgres.ts", "scale-out.ts", "ttl-sweep.ts"].filter((f) => existsSync(here + f));
let failed = 0;
for (const file of benches) {
  console.log(`\n== bench/${file}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", here + file, ...process.argv.slice(2)], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
