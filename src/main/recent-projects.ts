// The recent-projects list: recent-projects.json in the Studio's data dir,
// newest first, at most RECENT_LIMIT folders. Plain Node, so the browser shell
// and tests use it as Electron does.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RecentProject } from "../shared/host-api.ts";

export const RECENT_LIMIT = 10;
const FILE = "recent-projects.json";

export class RecentProjects {
  constructor(private readonly dataDir: string) {}

  /** Newest first; a folder that lost its langgraph.json is kept but marked missing. */
  list(): RecentProject[] {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(this.dataDir, FILE), "utf-8"));
    } catch {
      // No file yet, or one a crash left half-written: start a fresh list rather than refuse to open.
      return [];
    }
    if (!Array.isArray(raw)) return [];
    return raw
      .filter((e): e is { dir: string; openedAt: number } => typeof e?.dir === "string" && typeof e?.openedAt === "number")
      .slice(0, RECENT_LIMIT)
      .map(({ dir, openedAt }) => ({ dir, openedAt, missing: !existsSync(join(dir, "langgraph.json")) }));
  }

  /** Put `dir` at the top (once) and return the new list. */
  add(dir: string, now = Date.now()): RecentProject[] {
    const absolute = resolve(dir);
    const next = [
      { dir: absolute, openedAt: now },
      ...this.list()
        .filter((p) => p.dir !== absolute)
        .map(({ dir, openedAt }) => ({ dir, openedAt })),
    ].slice(0, RECENT_LIMIT);
    mkdirSync(this.dataDir, { recursive: true });
    // Write then rename: a crash mid-write must not lose the list.
    const tmp = join(this.dataDir, `${FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(next, null, 2));
    renameSync(tmp, join(this.dataDir, FILE));
    return this.list();
  }
}
