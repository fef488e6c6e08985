// What `skeino dev` reports about its reloads on GET /info ("dev"), for the
// Studio (redraw after a reload) and for anyone who wants to know why the
// graphs they edited are not the ones running.

/** Where a broken edit is, as precisely as the error tells. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface DevReloadError extends Partial<SourceLocation> {
  message: string;
  /** When the failed attempt happened (ISO 8601). */
  at: string;
}

export interface DevStatus {
  /** Counts successful loads: 1 after startup, +1 per reload. */
  generation: number;
  /** The last successful reload, absent until the first edit. */
  last_reload?: { at: string; graphs: string[]; files: string[]; duration_ms: number };
  /** The last attempt failed: the previous graphs still serve. Cleared by the next good reload. */
  error: DevReloadError | null;
}
