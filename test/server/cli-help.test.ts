// The CLI's defaults and help: ./langgraph.json without --config, --help per
// command, --version, and usage errors (exit 2) that name the flag and the fix.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAllCliChildren, REPO_ROOT, runCli, startCli } from "../helpers/cli.ts";

const project = join(REPO_ROOT, "test/fixtures/project");
const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf-8")) as { version: string }).version;

afterAll(killAllCliChildren);

describe("skeino help and version", () => {
  it("--help lists the commands", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const command of ["serve", "dev", "db migrate", "validate-checkpointer"]) expect(stdout).toContain(`  ${command} `);
    expect(stdout).toContain("skeino --version");
  });

  it("no command prints the usage and exits 2", async () => {
    const { code, stdout } = await runCli([]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^usage: skeino <command>/);
  });

  it("--version prints the package's version", async () => {
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`skeino ${version}\n`);
  });

  it.each([
    ["serve", ["--config FILE", "--port N", "--host HOST", "--postgres-uri URI", "--workers N", "--log-level LEVEL", "default: ./langgraph.json"]],
    ["dev", ["--config FILE", "--no-studio", "--studio-port N"]],
    ["db migrate", ["--uri URI"]],
  ])("%s --help lists its flags and starts nothing", async (command, expected) => {
    const { code, stdout } = await runCli([...command.split(" "), "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`usage: skeino ${command}`);
    for (const text of expected) expect(stdout).toContain(text);
  });
});

describe("skeino usage errors", () => {
  const empty = mkdtempSync(join(tmpdir(), "skeino-cli-help-"));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it.each([
    ["an unknown command", ["srve"], /unknown command "srve"; commands: serve, dev, db migrate, validate-checkpointer/],
    ["a flag before the command", ["--port", "1"], /a command comes first/],
    [
      "an unknown flag, with the one it likely meant",
      ["serve", "--prot", "3000"],
      /unknown flag --prot for `skeino serve`\. Did you mean --port\? Run `skeino serve --help`/,
    ],
    ["a flag without its value", ["serve", "--port"], /--port needs a value: --port N/],
    ["a port out of range", ["serve", "--port", "70000"], /--port must be an integer between 0 and 65535 .*got "70000"; e\.g\. --port 2024/],
    ["a bad worker count", ["serve", "--workers", "0"], /--workers must be an integer between 1 and 1000, got "0"/],
    ["an unknown log level", ["serve", "--log-level", "loud"], /--log-level must be one of silent, error, warn, info, debug, got "loud"/],
    [
      "a --config that does not exist",
      ["serve", "--config", "nowhere.json"],
      /--config nowhere\.json: no such file .*pass the path of your langgraph\.json/,
    ],
  ])("%s exits 2 naming the flag and the fix", async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(args, { cwd: project });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).not.toMatch(/listening/);
  });

  it("a bad PORT from the environment is named as such", async () => {
    const { code, stderr } = await runCli(["serve"], { cwd: project, env: { PORT: "abc", SKEINO_PORT: undefined } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT must be an integer/);
  });

  it("serve without --config in a folder with no langgraph.json says where it looked and what to pass", async () => {
    const { code, stderr } = await runCli(["serve", "--port", "0"], { cwd: empty });
    expect(code).toBe(2);
    expect(stderr).toContain(`no langgraph.json in ${empty}`);
    expect(stderr).toContain("--config path/to/langgraph.json");
  });
});

describe("skeino serve defaults", () => {
  it("uses ./langgraph.json when --config is absent", async () => {
    const server = await startCli(["--port", "0"], { cwd: project });
    expect(server.stdout()).toContain("persistence: memory; graphs: chat, factory, promised");
    expect(await server.stop("SIGTERM")).toBe("0/null");
  });

  it("takes the folder of a langgraph.json as --config, and the port from PORT", async () => {
    const server = await startCli(["--config", project], { env: { PORT: "0", SKEINO_PORT: undefined } });
    expect(server.url).not.toMatch(/:2024$/);
    expect(server.stdout()).toContain("graphs: chat, factory, promised");
    expect(await server.stop("SIGTERM")).toBe("0/null");
  });
});
