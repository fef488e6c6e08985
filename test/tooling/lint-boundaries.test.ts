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
