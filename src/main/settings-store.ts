// SettingsStore owns <dataDir>/settings.json (mode 0600): the Studio's
// persistence choice and the PostgreSQL URI. The password is encrypted with an
// injected SecretCodec (Electron safeStorage) where available, and is never
// handed to the renderer in full: reads return the URI with PASSWORD_MASK.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PASSWORD_MASK, type PersistenceMode, type StudioSettings } from "../shared/host-api.ts";

/** Encrypts secrets at rest (Electron safeStorage); absent in plain Node. */
export interface SecretCodec {
  readonly name: string;
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

interface SettingsFile {
  version: 1;
  persistence: PersistenceMode;
  /** URI without the password. */
  postgresUri: string;
  /** The password, encrypted when a codec is present. */
  postgresPassword?: { codec: string; value: string };
  /** The project auth token (disable_studio_auth), encrypted when a codec is present. */
  authToken?: { codec: string; value: string };
}

export const DEFAULT_SETTINGS: StudioSettings = { persistence: "memory", postgresUri: "" };

const MODES: readonly PersistenceMode[] = ["memory", "postgres", "local-postgres"];

/** --data-dir flag, else SKEINO_STUDIO_DATA_DIR, else ~/.skeino-studio. */
export function resolveDataDir(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): string {
  const i = argv.indexOf("--data-dir");
  if (i >= 0 && argv[i + 1]) return argv[i + 1]!;
  const eq = argv.find((a) => a.startsWith("--data-dir="));
  if (eq) return eq.slice("--data-dir=".length);
  return env.SKEINO_STUDIO_DATA_DIR || join(homedir(), ".skeino-studio");
}

/** Split the password out of a postgres URI. Throws a readable error on a malformed URI. */
export function splitPassword(uri: string): { uri: string; password: string | null } {
  const url = parsePostgresUri(uri);
  const password = url.password ? decodeURIComponent(url.password) : null;
  url.password = "";
  return { uri: url.toString(), password };
}

export function parsePostgresUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new Error(`"${maskPassword(uri)}" is not a URI; expected postgres://user:password@host:5432/database`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new Error(`The URI must start with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  if (!url.hostname) throw new Error("The URI has no host; expected postgres://user:password@host:5432/database");
  return url;
}

/** Replace the password (if any) with PASSWORD_MASK; safe to log or show. */
export function maskPassword(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password) url.password = encodeURIComponent(PASSWORD_MASK);
    return decodeURIComponent(url.toString());
  } catch {
    return uri.replace(/(\/\/[^:/@]+:)[^@]*@/, `$1${PASSWORD_MASK}@`);
  }
}

function withPassword(uri: string, password: string | null): string {
  if (!uri || password === null) return uri;
  const url = new URL(uri);
  url.password = encodeURIComponent(password);
  return url.toString();
}

export class SettingsStore {
  readonly file: string;

  constructor(
    readonly dataDir: string,
    private readonly codec?: SecretCodec,
  ) {
    this.file = join(dataDir, "settings.json");
  }

  /** Settings for the renderer: the password masked. */
  read(): StudioSettings {
    const s = this.readFull();
    return {
      persistence: s.persistence,
      postgresUri: s.postgresUri ? maskPassword(s.postgresUri) : "",
      ...(s.authToken ? { authToken: PASSWORD_MASK } : {}),
    };
  }

  /** Settings for the host itself: the real URI. */
  readFull(): StudioSettings {
    const f = this.readFile();
    if (!f) return { ...DEFAULT_SETTINGS };
    let password: string | null = null;
    if (f.postgresPassword) {
      password = f.postgresPassword.codec === "plain" ? f.postgresPassword.value : this.decode(f.postgresPassword.value);
    }
    const authToken = f.authToken ? (f.authToken.codec === "plain" ? f.authToken.value : this.decode(f.authToken.value)) : null;
    return { persistence: f.persistence, postgresUri: withPassword(f.postgresUri, password), ...(authToken ? { authToken } : {}) };
  }

  /**
   * The URI the user meant: if they sent back the masked URI (same user, host
   * and database), put the stored password back.
   */
  unmask(uri: string): string {
    if (!uri.includes(PASSWORD_MASK) && !uri.includes(encodeURIComponent(PASSWORD_MASK))) return uri;
    const stored = this.readFull().postgresUri;
    if (!stored) throw new Error("The URI contains the masked password but no password is stored; type it again");
    const given = parsePostgresUri(uri.replace(encodeURIComponent(PASSWORD_MASK), "x").replace(PASSWORD_MASK, "x"));
    const known = new URL(stored);
    given.password = known.password;
    return given.toString();
  }

  /** Validate and persist; returns the renderer view. */
  write(settings: StudioSettings): StudioSettings {
    const validated = validateSettings(settings);
    let postgresUri = "";
    let postgresPassword: SettingsFile["postgresPassword"];
    if (validated.postgresUri) {
      const full = this.unmask(validated.postgresUri);
      const split = splitPassword(full);
      postgresUri = split.uri;
      if (split.password !== null) {
        postgresPassword = this.codec
          ? { codec: this.codec.name, value: this.codec.encrypt(split.password) }
          : { codec: "plain", value: split.password };
      }
    }
    // The mask sent back keeps the stored token; an empty one removes it.
    const token = validated.authToken === PASSWORD_MASK ? this.readFull().authToken : validated.authToken || undefined;
    const authToken = token
      ? this.codec
        ? { codec: this.codec.name, value: this.codec.encrypt(token) }
        : { codec: "plain", value: token }
      : undefined;
    const file: SettingsFile = { version: 1, persistence: validated.persistence, postgresUri, postgresPassword, authToken };
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    return this.read();
  }

  private decode(value: string): string | null {
    if (!this.codec) return null;
    try {
      return this.codec.decrypt(value);
    } catch {
      return null;
    }
  }

  private readFile(): SettingsFile | null {
    if (!existsSync(this.file)) return null;
    try {
      const raw = JSON.parse(readFileSync(this.file, "utf-8")) as Partial<SettingsFile>;
      return {
        version: 1,
        persistence: MODES.includes(raw.persistence as PersistenceMode) ? (raw.persistence as PersistenceMode) : "memory",
        postgresUri: typeof raw.postgresUri === "string" ? raw.postgresUri : "",
        postgresPassword: raw.postgresPassword,
        authToken: raw.authToken,
      };
    } catch {
      // A corrupt file falls back to defaults rather than bricking the app; the next save rewrites it.
      return null;
    }
  }
}

export function validateSettings(input: unknown): StudioSettings {
  if (typeof input !== "object" || input === null) throw new Error("Settings must be an object");
  const s = input as Record<string, unknown>;
  const persistence = s.persistence;
  if (typeof persistence !== "string" || !MODES.includes(persistence as PersistenceMode)) {
    throw new Error(`Persistence must be one of ${MODES.join(", ")}`);
  }
  const postgresUri = typeof s.postgresUri === "string" ? s.postgresUri.trim() : "";
  if (persistence === "postgres") {
    if (!postgresUri) throw new Error("Enter a Postgres URI, e.g. postgres://user:password@127.0.0.1:5432/skeino");
    parsePostgresUri(postgresUri);
  } else if (postgresUri) {
    parsePostgresUri(postgresUri);
  }
  const authToken = typeof s.authToken === "string" ? s.authToken.trim() : "";
  if (/[\r\n]/.test(authToken)) throw new Error("The auth token must be one line");
  return { persistence: persistence as PersistenceMode, postgresUri, ...(authToken ? { authToken } : {}) };
}
