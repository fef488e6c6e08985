// Watches a growing set of files for `skeino dev`. It watches their folders,
// not the files: editors save by writing a new file and renaming it over the
// old one, which ends a watch on the file itself. Bursts of events (one save
// is often several) are gathered into one change after a short quiet time.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";

const QUIET_MS = 80;

export class FileWatcher {
  private readonly files = new Set<string>();
  private readonly folders = new Map<string, FSWatcher>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly onChange: (files: string[]) => void) {}

  add(file: string): void {
    if (this.closed || this.files.has(file)) return;
    this.files.add(file);
    const folder = dirname(file);
    if (this.folders.has(folder)) return;
    try {
      const watcher = watch(folder, (_event, name) => {
        const changed = name ? join(folder, name.toString()) : undefined;
        if (changed === undefined) {
          for (const f of this.files) if (dirname(f) === folder) this.pending.add(f);
        } else if (this.files.has(changed)) {
          this.pending.add(changed);
        } else {
          return;
        }
        this.schedule();
      });
      watcher.on("error", () => this.folders.delete(folder));
      this.folders.set(folder, watcher);
    } catch {
      // A folder that vanished: nothing to watch until a reload adds it again.
    }
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  watched(): string[] {
    return [...this.files].map((f) => basename(f));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const files = [...this.pending];
      this.pending = new Set();
      if (files.length && !this.closed) this.onChange(files);
    }, QUIET_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
  }
}
