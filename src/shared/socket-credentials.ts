// Credentials on a browser WebSocket. A browser cannot set headers on a
// WebSocket, and the SDK refuses its `defaultHeaders` over one, so a browser
// client (the Studio) offers them as a subprotocol instead: the protocol's
// own name first (which the server selects and echoes), then
// `skeino.headers.<base64url of a JSON header map>`. The server copies the
// headers it accepts this way onto the upgrade request before any
// authentication runs, so the API key, the Studio's credential and the
// project's `authenticate` see them as ordinary headers. Plain functions
// (TextEncoder, btoa, atob): used by the server and the renderer alike.

/** The subprotocol the server selects: names the protocol, carries nothing. */
export const SOCKET_PROTOCOL = "skeino.protocol-v2";
export const SOCKET_HEADERS_PREFIX = "skeino.headers.";

/** The subprotocols that open a socket with `headers` (just the protocol's name when there are none). */
export function socketProtocols(headers: Record<string, string>): string[] {
  if (Object.keys(headers).length === 0) return [SOCKET_PROTOCOL];
  const bytes = new TextEncoder().encode(JSON.stringify(headers));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const encoded = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return [SOCKET_PROTOCOL, `${SOCKET_HEADERS_PREFIX}${encoded}`];
}

/** The header map a `Sec-WebSocket-Protocol` value carries; empty when it carries none or garbage. */
export function headersFromSocketProtocols(offered: string): Record<string, string> {
  const entry = offered
    .split(",")
    .map((p) => p.trim())
    .find((p) => p.startsWith(SOCKET_HEADERS_PREFIX));
  if (!entry) return {};
  try {
    const binary = atob(entry.slice(SOCKET_HEADERS_PREFIX.length).replace(/-/g, "+").replace(/_/g, "/"));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed)
        .filter((e): e is [string, string] => typeof e[1] === "string")
        .map(([k, v]) => [k.toLowerCase(), v]),
    );
  } catch {
    return {};
  }
}
