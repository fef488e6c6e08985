// `skeino validate-checkpointer ./file.ts:factory` as a user runs it: a child
// process running LangGraph's checkpoint validation suite on their saver.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { CONFIG_ERROR_EXIT_CODE } from "../../src/server/errors.ts";

const root = join(import.meta.dirname, "../..");
const bin = join(root, "bin/skeino.mjs");
const fixtures = join(root, "test/fixtures/custom-checkpointer");

function validate(target: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "validate-checkpointer", target], {
      // From another directory: the command must not depend on the user's cwd.
      cwd: fixtures,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`validate-checkpointer did not finish in 45 s:\n${output.slice(-2000)}`));
    }, 45_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** "Tests  725 passed | 1 skipped (726)" -> counts. */
function counts(output: string): { passed: number; failed: number } {
  const line = output.split("\n").find((l) => /^\s*Tests\s/.test(l)) ?? "";
  return {
    passed: Number(/(\d+) passed/.exec(line)?.[1] ?? 0),
    failed: Number(/(\d+) failed/.exec(line)?.[1] ?? 0),
  };
}

describe("skeino validate-checkpointer", () => {
  it("passes a correct custom checkpointer (relative path, named factory)", async () => {
    const { code, output } = await validate("./counting-saver.ts:createCheckpointer");
    expect(code, output.slice(-3000)).toBe(0);
    const { passed, failed } = counts(output);
    expect(failed).toBe(0);
    // put, putWrites, getTuple, list, deleteThread and the delta-history tests.
    expect(passed).toBeGreaterThan(700);
  });

  it("fails a saver whose list() ignores limit, exiting non-zero", async () => {
    const { code, output } = await validate(join(fixtures, "broken-saver.ts:createCheckpointer"));
    expect(code).not.toBe(0);
    expect(counts(output).failed).toBeGreaterThan(0);
    expect(output).toMatch(/list/);
  });

  it("names a missing export", async () => {
    const { code, output } = await validate("./counting-saver.ts:nope");
    expect(code).not.toBe(0);
    expect(output).toContain('has no export "nope"');
  });

  it("names a missing file", async () => {
    const { code, output } = await validate("./nowhere.ts:createCheckpointer");
    expect(code).toBe(CONFIG_ERROR_EXIT_CODE);
    expect(output).toMatch(/nowhere\.ts does not exist/);
  });
});
