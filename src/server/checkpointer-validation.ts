// `skeino validate-checkpointer ./file.ts:factory`: runs LangGraph's
// checkpoint validation spec tests (checkpointer-validation.spec.ts) against
// a user's checkpointer factory, in a vitest child process with a config of
// its own (the repo's vitest include does not match the spec file).
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./errors.ts";

export interface ValidationTarget {
  file: string;
  exportName: string;
}

/** "./file.ts:factory" -> absolute file and export (default export when no ":name"). */
export function parseValidationTarget(spec: string, cwd = process.cwd()): ValidationTarget {
  // A ":" at index 1 is a Windows drive letter, not an export separator.
  const at = spec.lastIndexOf(":");
  const hasExport = at > 1 && at < spec.length - 1;
  const path = hasExport ? spec.slice(0, at) : spec;
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) {
    throw new ConfigError(`validate-checkpointer: ${path} does not exist (looked for ${file}). Pass ./file.ts:factory`);
  }
  return { file, exportName: hasExport ? spec.slice(at + 1) : "default" };
}

const require = createRequire(import.meta.url);

/**
 * vitest and the validation suite are development dependencies: resolved
 * from skeino's location (a project's own node_modules is on that path), with
 * the install command when they are missing. vitest's bin is not in its
 * package exports, so we resolve its package.json and go from there.
 */
function resolveDevDependency(specifier: string): string {
  try {
    return require.resolve(specifier);
  } catch {
    throw new ConfigError(
      "validate-checkpointer needs vitest and @langchain/langgraph-checkpoint-validation: " +
        "npm install --save-dev vitest @langchain/langgraph-checkpoint-validation",
    );
  }
}

export async function runCheckpointerValidation(spec: string): Promise<number> {
  const { file, exportName } = parseValidationTarget(spec);
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const config = fileURLToPath(new URL("./checkpointer-validation.vitest.config.ts", import.meta.url));
  const vitest = join(dirname(resolveDevDependency("vitest/package.json")), "vitest.mjs");
  resolveDevDependency("@langchain/langgraph-checkpoint-validation/package.json");
  return new Promise((done) => {
    const child = spawn(process.execPath, [vitest, "run", "--config", config, "--root", root], {
      stdio: "inherit",
      env: { ...process.env, SKEINO_VALIDATE_FILE: file, SKEINO_VALIDATE_EXPORT: exportName },
    });
    child.on("error", () => done(1));
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}
