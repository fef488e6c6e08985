// The import boundaries of DESIGN.md, as the lint config enforces them: each
// forbidden import is reported where it is forbidden, and allowed elsewhere.
import { describe, expect, it } from "vitest";
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("import boundaries", () => {
  it.each([
    ['import { StudioHost } from "../main/host.ts";'],
    ['import { App } from "../renderer/src/components/app.tsx";'],
    ['import { app } from "electron";'],
    ['import { useState } from "react";'],
  ])("src/server refuses %s", async (line) => {
    expect(await restricted("src/server/boundary-probe.ts", `${line}\nexport const probe = 1;\n`)).toHaveLength(1);
  });

  it.each([
    ['import { readFileSync } from "node:fs";'],
    ['import { readFileSync } from "fs";'],
    ['import { createApp } from "../../../server/index.ts";'],
  ])("the renderer refuses %s", async (line) => {
    expect(await restricted("src/renderer/src/lib/boundary-probe.ts", `${line}\nexport const probe = 1;\n`)).toHaveLength(1);
  });

  it("main's plain-Node modules refuse electron; its Electron glue may use it", async () => {
    expect(await restricted("src/main/boundary-probe.ts", 'import { app } from "electron";\nexport const probe = app;\n')).toHaveLength(1);
    expect(await restricted("src/main/ipc.ts", 'import { ipcMain } from "electron";\nexport const probe = ipcMain;\n')).toEqual([]);
  });

  it("allowed imports pass: the Studio uses the server's PostgreSQL helpers, the server uses Node", async () => {
    expect(
      await restricted("src/main/boundary-probe.ts", 'import { redactUri } from "../server/postgres.ts";\nexport const probe = redactUri;\n'),
    ).toEqual([]);
    expect(await restricted("src/server/boundary-probe.ts", 'import { readFileSync } from "node:fs";\nexport const probe = readFileSync;\n')).toEqual(
      [],
    );
  });
});

describe("size rules (issue #10)", () => {
  async function sizeProblems(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath });
    return result!.messages.filter((m) => m.ruleId === "max-lines" || m.ruleId === "max-lines-per-function").map((m) => m.ruleId!);
  }
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";
  const fn = (name: string, n: number) =>
    `export function ${name}(): number {\n  let x = 0;\n${Array.from({ length: n }, () => "  x += 1;").join("\n")}\n  return x;\n}\n`;

  it("a server module over 300 lines fails unless its top says why", async () => {
    expect(await sizeProblems("src/server/size-probe.ts", lines(320))).toEqual(["max-lines"]);
    expect(await sizeProblems("src/server/size-probe.ts", `/* eslint-disable max-lines -- a probe's reason */\n${lines(320)}`)).toEqual([]);
    expect(await sizeProblems("src/server/size-probe.ts", lines(250))).toEqual([]);
  });

  it("a route or service function over 80 lines fails; elsewhere it is not this rule's business", async () => {
    expect(await sizeProblems("src/server/http/size-probe.ts", fn("routes", 90))).toEqual(["max-lines-per-function"]);
    expect(await sizeProblems("src/server/runs/size-probe-service.ts", fn("create", 90))).toEqual(["max-lines-per-function"]);
    expect(await sizeProblems("src/server/http/size-probe.ts", fn("routes", 60))).toEqual([]);
    expect(await sizeProblems("src/server/graphs/size-probe.ts", fn("load", 90))).toEqual([]);
  });
});
