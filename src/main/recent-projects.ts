// The recent-projects list: recent-projects.json in the Studio's data dir,
// newest first, at most RECENT_LIMIT folders, each with the Studio route it
// last showed (so a relaunch comes back to it). Plain Node, so the browser
// shell and tests use it as Electron does.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RecentProject } from "../shared/host-api.ts";

export const RECENT_LIMIT = 10;
const FILE = "recent-projects.json";
/** A route is a short URL hash; anything else the page sends is refused. */
const MAX_VIEW = 2_000;

interface Entry {
  dir: string;
  openedAt: number;
  lastView?: string;
}

export function isView(view: unknown): view is string {
  return typeof view === "string" && view.startsWith("#/") && view.length <= MAX_VIEW;
}

export class RecentProjects {
  constructor(private readonly dataDir: string) {}

  /** Newest first; a folder that lost its langgraph.json is kept but marked missing. */
  list(): RecentProject[] {
    return this.entries().map((e) => ({ ...e, missing: !existsSync(join(e.dir, "langgraph.json")) }));
  }

  private entries(): Entry[] {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(this.dataDir, FILE), "utf-8"));
    } catch {
      // No file yet, or one a crash left half-written: start a fresh list rather than refuse to open.
      return [];
    }
    if (!Array.isArray(raw)) return [];
    return raw
      .filter((e): e is Entry => typeof e?.dir === "string" && typeof e?.openedAt === "number")
      .slice(0, RECENT_LIMIT)
      .map(({ dir, openedAt, lastView }) => ({ dir, openedAt, ...(isView(lastView) ? { lastView } : {}) }));
  }

  /** Put `dir` at the top (once) and return the new list. */
  add(dir: string, now = Date.now()): RecentProject[] {
    const absolute = resolve(dir);
    const entries = this.entries();
    const lastView = entries.find((e) => e.dir === absolute)?.lastView;
    this.write([{ dir: absolute, openedAt: now, ...(lastView ? { lastView } : {}) }, ...entries.filter((e) => e.dir !== absolute)]);
    return this.list();
  }

  /** Remember the route the Studio shows for `dir` (a listed project; others are ignored). */
  setView(dir: string, view: string): void {
    const absolute = resolve(dir);
    const entries = this.entries();
    const entry = entries.find((e) => e.dir === absolute);
    if (!entry || entry.lastView === view) return;
    entry.lastView = view;
    this.write(entries);
  }

  private write(entries: Entry[]): void {
    const next = entries.slice(0, RECENT_LIMIT);
    mkdirSync(this.dataDir, { recursive: true });
    // Write then rename: a crash mid-write must not lose the list.
    const tmp = join(this.dataDir, `${FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(next, null, 2));
    renameSync(tmp, join(this.dataDir, FILE));
  }
}
