// Small display helpers shared by the views.
export function shortId(id: string | null | undefined, n = 8): string {
  if (!id) return "—";
  return id.length > n ? id.slice(0, n) : id;
}

/**
 * Thread and run ids are UUIDv7: the first characters are a timestamp shared by
 * everything created in the same moment, so show the random tail instead.
 */
export function tailId(id: string | null | undefined, n = 8): string {
  if (!id) return "—";
  return id.length > n ? `…${id.slice(-n)}` : id;
}

export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // The project's custom auth refused the Studio: say what that means and where to act.
    if (/^HTTP 401\b/.test(err.message)) {
      return `${err.message}. The project's auth did not accept the Studio: with "disable_studio_auth" in langgraph.json, enter a token in Settings.`;
    }
    if (/^HTTP 403\b/.test(err.message)) return `${err.message}. The project's auth handlers do not allow this to the Studio user.`;
    return err.message;
  }
  return typeof err === "string" ? err : JSON.stringify(err);
}

export function compactJson(value: unknown, max = 240): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? "undefined";
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Parse JSON typed by the user; throws a message naming the field. */
export function parseJsonField(text: string, field: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${field} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
}
