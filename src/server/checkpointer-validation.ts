// `skeino validate-checkpointer ./file.ts:factory`: runs LangGraph's
// checkpoint validation spec tests against a user's checkpointer.
import { resolve } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export async function runCheckpointerValidation(spec: string): Promise<number> {
  const at = spec.lastIndexOf(":");
  const file = resolve(at > 0 ? spec.slice(0, at) : spec);
  const exportName = at > 0 ? spec.slice(at + 1) : "default";
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const runner = fileURLToPath(new URL("./checkpointer-validation.spec.ts", import.meta.url));
  return new Promise((done) => {
    const child = spawn("npx", ["vitest", "run", "--root", root, "--dir", root, runner], {
      stdio: "inherit",
      env: { ...process.env, SKEINO_VALIDATE_FILE: file, SKEINO_VALIDATE_EXPORT: exportName },
    });
    child.on("exit", (code) => done(code ?? 1));
  });
}
