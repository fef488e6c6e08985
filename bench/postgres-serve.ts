// `skeino serve` on a PostgreSQL database in a child process, for the PostgreSQL benches.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function startServe(uri: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "bin/skeino.mjs"),
        "serve",
        "--config",
        join(root, "bench/project/langgraph.json"),
        "--port",
        "0",
        "--log-level",
        "error",
        "--postgres-uri",
        uri,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("skeino serve did not start in 30 s"));
    }, 30_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /skeino listening on (\S+)/.exec(out);
      if (match && /^persistence: postgres/m.test(out)) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, child });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`skeino serve exited with ${code}`));
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
