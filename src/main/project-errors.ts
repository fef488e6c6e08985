// Turns what a server that failed to start printed on stderr into the errors
// the Studio lists: one per "skeino: <message>" line, with the file and line
// from the "skeino: at <file>:<line>:<col>" line the CLI prints after it.
import type { ProjectError } from "../shared/host-api.ts";

const PREFIX = "skeino: ";
const AT = /^skeino: at (.+?):(\d+)(?::(\d+))?$/;
// esbuild's own "file:line:col: ERROR: ..." when the CLI printed no "at" line.
const ESBUILD = /^(\/.+?|[A-Za-z]:\\.+?):(\d+):(\d+): ERROR: /;

export function parseStartErrors(stderr: readonly string[]): ProjectError[] {
  const errors: ProjectError[] = [];
  for (const line of stderr) {
    const at = AT.exec(line);
    const last = errors.at(-1);
    if (at && last) {
      last.file = at[1]!;
      last.line = Number(at[2]);
      if (at[3]) last.column = Number(at[3]);
    } else if (line.startsWith(PREFIX)) {
      if (line.startsWith(`${PREFIX}warning:`)) continue;
      errors.push({ message: line.slice(PREFIX.length) });
    } else if (last) {
      last.message += `\n${line}`;
      const esbuild = ESBUILD.exec(line);
      if (esbuild && last.file === undefined) {
        last.file = esbuild[1]!;
        last.line = Number(esbuild[2]);
        last.column = Number(esbuild[3]);
      }
    }
  }
  return errors;
}
