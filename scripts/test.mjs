#!/usr/bin/env node
// `npm test`: runs every suite (typecheck, lint, vitest for the server and
// Studio host, then Playwright e2e against the browser shell) and ends with one line
// "N passed, N failed" summing them all. Skipped tests are reported
// separately and never counted as passed.
//   node scripts/test.mjs [--only typecheck|lint|unit|e2e] [extra vitest args]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
const reportDir = mkdtempSync(join(tmpdir(), "skeino-test-"));
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(cmd, cmdArgs, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf-8"));
  } catch {
    return undefined;
  }
}

async function vitestSuite() {
  const out = join(reportDir, "vitest.json");
  const code = await run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...args]);
  const report = readJson(out);
  if (!report) {
    totals.failed += 1;
    lines.push(`vitest: no report (exit ${code})`);
    return;
  }
  let passed = 0,
    failed = 0,
    skipped = 0;
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    // A file that failed to load or whose hooks failed counts as a failure.
    if (file.status === "failed" && !tests.some((t) => t.status === "failed")) failed += 1;
    for (const t of tests) {
      if (t.status === "passed") passed += 1;
      else if (t.status === "failed") failed += 1;
      else skipped += 1;
    }
  }
  if (code !== 0 && failed === 0) failed += 1;
  record("vitest", passed, failed, skipped);
}

async function playwrightSuite() {
  if (!existsSync("playwright.config.ts")) {
    lines.push("e2e: no playwright.config.ts yet");
    return;
  }
  const out = join(reportDir, "playwright.json");
  const code = await run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const report = readJson(out);
  if (!report) {
    totals.failed += 1;
    lines.push(`e2e: no report (exit ${code})`);
    return;
  }
  const s = report.stats ?? {};
  let failed = (s.unexpected ?? 0) + (s.flaky ?? 0) * 0;
  if (code !== 0 && failed === 0) failed += 1;
  record("e2e", s.expected ?? 0, failed, s.skipped ?? 0);
}

function record(name, passed, failed, skipped) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  lines.push(`${name}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

/** tsc over server, main, preload, renderer and the example project: one check. */
async function typecheck() {
  const code = await run(process.execPath, ["scripts/typecheck.mjs"]);
  record("typecheck", code === 0 ? 1 : 0, code === 0 ? 0 : 1, 0);
}

/** ESLint over the tree (rules and import boundaries): one check, failed by any error. */
async function lint() {
  const code = await run(process.execPath, ["node_modules/eslint/bin/eslint.js", "."]);
  record("lint", code === 0 ? 1 : 0, code === 0 ? 0 : 1, 0);
}

if (!only || only === "typecheck") await typecheck();
if (!only || only === "lint") await lint();
if (!only || only === "unit") await vitestSuite();
if (!only || only === "e2e") await playwrightSuite();
rmSync(reportDir, { recursive: true, force: true });
console.log("");
for (const l of lines) console.log(l);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
