// Every code block of the user guides runs here, as written, so the docs
// cannot drift from the code. A block is tagged in its info string:
//   ```ts snippet=<id> [file=<path>] [db=<name>] [scheme=<scheme>] [stdout="<text>"]
// - file=PATH: written to PATH in the doc's scratch project (graph modules,
//   manifests) for later blocks to use; a json manifest is also loaded with
//   loadManifest and checked against what it declares.
// - ts without file: run with `node --import tsx` in the scratch project,
//   which sits inside this repo so `import ... from "skeino"` resolves to it.
// - bash: run with bash in the scratch project; `npx skeino` is this repo's
//   bin/skeino.mjs (any other npx is refused: nothing is downloaded).
// - sql: run as the cluster's superuser, identifiers "skeino" made unique.
// A ts or bash block that prints "skeino listening on URL" is a server: the
// test reads /info (checking `scheme`), runs the graph "agent" through the
// SDK, sends SIGTERM and expects exit 0. Others must exit 0 (printing
// `stdout` when given). POSTGRES_URI is a fresh database per `db` name
// (default "main") per doc; PORT is 0, and "--port 2024" runs as "--port 0"
// so parallel runs never collide.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { loadManifest } from "../../src/server/manifest.ts";
import { createPostgresPersistence } from "../../src/server/persistence/postgres/index.ts";
import { adminUri, createTestDatabase, runAsAdmin, withDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { REPO_ROOT, SKEINO_BIN } from "../helpers/cli.ts";

const DOCS = ["docs/postgres.md", "docs/custom-checkpointer.md"];
const LANGUAGES = new Set(["ts", "json", "bash", "sql"]);
const RUN_TIMEOUT_MS = 45_000;

export interface Snippet {
  doc: string;
  lang: string;
  id: string | undefined;
  attrs: Record<string, string>;
  code: string;
  line: number;
}

/** Fenced blocks of a markdown file, indented ones (in list items) included. */
export function extractSnippets(doc: string, markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const [, indent = "", lang = "", info = ""] = open;
    // key=value or key="value with spaces"
    const attrs = Object.fromEntries([...info.matchAll(/([\w-]+)=("([^"]*)"|\S+)/g)].map((m) => [m[1] as string, m[3] ?? (m[2] as string)]));
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[j] as string); j++) {
      const line = lines[j] as string;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    out.push({ doc, lang, id: attrs.snippet, attrs, code: body.join("\n") + "\n", line: i + 1 });
    i = j;
  }
  return out;
}

const docs = DOCS.map((doc) => ({ doc, snippets: extractSnippets(doc, readFileSync(join(REPO_ROOT, doc), "utf-8")) }));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; if it prints "skeino listening on URL", exercises the server, then SIGTERMs it. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; snippet: Snippet },
): Promise<Finished & { served?: string }> {
  return new Promise((resolve, reject) => {
    // Own process group: a bash snippet's server is killed with its shell.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let served: string | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      killGroup("SIGKILL");
      reject(new Error(`${options.snippet.id} did not finish in ${RUN_TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const match = /skeino listening on (http:\/\/\S+)/.exec(stdout);
      if (match && served === undefined && /^persistence: |skeino listening on http\S+\n/m.test(stdout)) {
        served = match[1] as string;
        exerciseServer(served, options.snippet)
          .catch((error: unknown) => {
            stderr += `\n[snippet test] ${(error as Error).stack ?? String(error)}`;
            served = `failed: ${(error as Error).message}`;
          })
          .finally(() => killGroup("SIGTERM"));
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      // Whatever the snippet left behind in its group goes too.
      killGroup("SIGKILL");
      resolve({ code, stdout, stderr, served });
    });
  });
}

async function exerciseServer(url: string, snippet: Snippet): Promise<void> {
  const info = (await (await fetch(`${url}/info`)).json()) as { persistence: { scheme: string }; graphs: string[] };
  if (snippet.attrs.scheme && info.persistence.scheme !== snippet.attrs.scheme) {
    throw new Error(`expected persistence ${snippet.attrs.scheme}, /info says ${info.persistence.scheme}`);
  }
  if (!info.graphs.includes("agent")) return;
  const client = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  const thread = await client.threads.create();
  await client.runs.wait(thread.thread_id, "agent", { input: {} });
  const [runRecord] = await client.runs.list(thread.thread_id);
  if (runRecord?.status !== "success") throw new Error(`the run on the served graph ended ${runRecord?.status}`);
}

describe("the guides' code blocks", () => {
  it.each(docs)("$doc: every block is a tagged snippet with a unique id", ({ snippets }) => {
    expect(snippets.length).toBeGreaterThan(0);
    for (const s of snippets) {
      expect(LANGUAGES.has(s.lang), `${s.doc}:${s.line} language "${s.lang}"`).toBe(true);
      expect(s.id, `${s.doc}:${s.line} has no snippet=<id>`).toBeTruthy();
    }
    const ids = snippets.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

for (const { doc, snippets } of docs) {
  describe(doc, () => {
    const scratch = join(REPO_ROOT, "test/docs", `.scratch-${doc.replace(/\W+/g, "-")}-${randomBytes(4).toString("hex")}`);
    const databases = new Map<string, Promise<TestDatabase>>();
    const cleanups: Array<() => Promise<void>> = [];
    const database = (name = "main") => {
      let db = databases.get(name);
      if (!db) {
        db = createTestDatabase();
        databases.set(name, db);
      }
      return db;
    };
    const envFor = async (snippet: Snippet): Promise<NodeJS.ProcessEnv> => ({
      ...process.env,
      PATH: `${join(scratch, ".bin")}:${process.env.PATH ?? ""}`,
      POSTGRES_URI: (await database(snippet.attrs.db)).uri,
      SKEINO_POSTGRES_URI: "",
      PORT: "0",
      CHECKPOINT_FILE: join(scratch, "checkpoints.json"),
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    });

    beforeAll(() => {
      mkdirSync(join(scratch, ".bin"), { recursive: true });
      // `npx skeino ...` in a doc is this repo's CLI; nothing else may run through npx here.
      writeFileSync(
        join(scratch, ".bin/npx"),
        `#!/bin/sh\nif [ "$1" = "skeino" ]; then shift; exec "${process.execPath}" "${SKEINO_BIN}" "$@"; fi\n` +
          `echo "snippets test: npx $1 is not allowed" >&2\nexit 127\n`,
      );
      chmodSync(join(scratch, ".bin/npx"), 0o755);
    });

    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      for (const db of databases.values()) await (await db.catch(() => undefined))?.drop();
      rmSync(scratch, { recursive: true, force: true });
    });

    for (const snippet of snippets) {
      it(`${snippet.id ?? `line ${snippet.line}`} (${snippet.lang}${snippet.attrs.file ? ` -> ${snippet.attrs.file}` : ""})`, async () => {
        const env = await envFor(snippet);
        const { file } = snippet.attrs;
        if (file) {
          const path = join(scratch, file);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, snippet.code);
          if (snippet.lang === "json") await checkManifest(path, snippet, { ...env });
          return;
        }
        if (snippet.lang === "sql") {
          await runProvisioningSql(snippet, cleanups);
          return;
        }
        let result: Finished & { served?: string };
        if (snippet.lang === "ts") {
          const path = join(scratch, `${snippet.id}.ts`);
          writeFileSync(path, snippet.code);
          result = await run(process.execPath, ["--conditions=skeino-source", "--import", "tsx", path], { cwd: scratch, env, snippet });
        } else if (snippet.lang === "bash") {
          const script = snippet.code.replace(/--port 2024\b/g, "--port 0");
          result = await run("bash", ["-euo", "pipefail", "-c", script], { cwd: scratch, env, snippet });
        } else {
          throw new Error(`${snippet.doc}:${snippet.line}: no runner for ${snippet.lang}`);
        }
        const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
        expect(result.code, output).toBe(0);
        if (snippet.attrs.scheme) expect(result.served, `a server with scheme ${snippet.attrs.scheme}\n${output}`).toMatch(/^http:/);
        if (result.served !== undefined) expect(result.served, output).toMatch(/^http:/);
        if (snippet.attrs.stdout) expect(result.stdout, output).toContain(snippet.attrs.stdout);
      }, 60_000);
    }

    const schemaFalse = snippets.find((s) => s.id === "setup-schema-false");
    if (schemaFalse) {
      it("setup-schema-false, on a database nobody migrated, fails naming the missing tables and the fix", async () => {
        const snippet = { ...schemaFalse, attrs: { ...schemaFalse.attrs, db: "never-migrated" } };
        const path = join(scratch, "setup-schema-false-unmigrated.ts");
        writeFileSync(path, snippet.code);
        const result = await run(process.execPath, ["--conditions=skeino-source", "--import", "tsx", path], {
          cwd: scratch,
          env: await envFor(snippet),
          snippet,
        });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/setupSchema is false but the database has no .*app_threads/);
        expect(result.stderr).toContain("skeino db migrate --uri");
      }, 60_000);
    }
  });
}

/** A manifest block: loadManifest accepts it and it selects what it declares. */
async function checkManifest(path: string, snippet: Snippet, env: NodeJS.ProcessEnv): Promise<void> {
  const declared = JSON.parse(snippet.code) as { graphs: Record<string, string>; store?: { uri?: string }; checkpointer?: { path: string } };
  const manifest = await loadManifest(path, env);
  expect(Object.keys(manifest.graphs)).toEqual(Object.keys(declared.graphs));
  if (declared.store?.uri) {
    expect(manifest.settings.checkpointerScheme).toBe("postgres");
    expect(manifest.settings.checkpointerUri).toBe(env.POSTGRES_URI);
  }
  if (declared.checkpointer) expect(typeof manifest.settings.checkpointer).toBe("function");
  if (!declared.store && !declared.checkpointer) expect(manifest.settings).toEqual({});
}

/**
 * The provisioning SQL, as a superuser, with unique names; then proof that it
 * is enough: the new role, on its new database, lets skeino create its schema.
 */
async function runProvisioningSql(snippet: Snippet, cleanups: Array<() => Promise<void>>): Promise<void> {
  const name = `skeino_doc_${randomBytes(4).toString("hex")}`;
  const statements = snippet.code
    .replace(/\bskeino\b/g, name)
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  cleanups.push(async () => {
    await runAsAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await runAsAdmin(`DROP ROLE IF EXISTS "${name}"`);
  });
  // One statement at a time: CREATE DATABASE cannot run in a transaction block.
  for (const statement of statements) await runAsAdmin(statement);
  const password = /PASSWORD '([^']*)'/.exec(snippet.code)?.[1] ?? "";
  const url = new URL(withDatabase(await adminUri(), name));
  url.username = name;
  url.password = encodeURIComponent(password);
  const persistence = await createPostgresPersistence({ uri: url.toString(), poolSize: 2 });
  try {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ tableowner: string }>("SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = 'app_threads'");
      expect(rows).toEqual([{ tableowner: name }]);
    } finally {
      await client.end();
    }
  } finally {
    await persistence.close();
  }
}

/**
 * Type errors the guides' TypeScript currently has because of a bug outside
 * the docs, by snippet id. When the bug is fixed the test fails: remove the entry.
 */
const KNOWN_TYPE_ERRORS: Record<string, RegExp> = {};

describe("the guides' TypeScript", () => {
  const dir = join(REPO_ROOT, "test/docs", `.typecheck-${randomBytes(4).toString("hex")}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("type-checks under the repo's strict tsconfig", async () => {
    const where = new Map<string, string>();
    for (const { doc, snippets } of docs) {
      const base = join(dir, doc.replace(/\W+/g, "-"));
      for (const s of snippets.filter((x) => x.lang === "ts")) {
        const path = join(base, s.attrs.file ?? `${s.id}.ts`);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, s.code);
        where.set(path.slice(REPO_ROOT.length + 1), s.id as string);
      }
    }
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../../tsconfig.json", include: ["./**/*.ts"] }));
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), "--noEmit", "--pretty", "false"], { cwd: REPO_ROOT });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.once("exit", (code) => resolve({ code, out }));
    });
    const errors = new Map<string, string[]>();
    for (const line of result.out.split("\n").filter((l) => /error TS\d+/.test(l))) {
      const file = line.slice(0, line.indexOf("("));
      const id = where.get(file) ?? file;
      errors.set(id, [...(errors.get(id) ?? []), line]);
    }
    for (const [id, pattern] of Object.entries(KNOWN_TYPE_ERRORS)) {
      expect(errors.get(id)?.join("\n") ?? "", `known type error of "${id}" is gone: remove it from KNOWN_TYPE_ERRORS`).toMatch(pattern);
      errors.delete(id);
    }
    expect(Object.fromEntries(errors)).toEqual({});
  }, 60_000);
});
