/**
 * The HTTP server's bearer token: PETRI_MCP_TOKEN when set, else a random token kept in a 0600
 * file next to the database (`<db>.token`) so that restarts and other processes reuse it. A
 * PostgreSQL store has no file to put it next to, and its servers share one token: PETRI_MCP_TOKEN
 * is required there.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { log } from "../log.js";
import { storeBackend } from "../store/index.js";
import { registerSecret } from "../util/redact.js";

export type TokenSource = "env" | "file" | "generated";

export interface ResolvedToken {
  token: string;
  source: TokenSource;
  /** The token file, when the token is not from the environment. */
  path: string | null;
}

/** Shortest token accepted from a file or the environment; generated ones are 43 characters. */
export const MIN_TOKEN_LENGTH = 16;
/** Fewest distinct characters of PETRI_MCP_TOKEN on a non-loopback address ("aaaa…" is refused). */
export const MIN_DISTINCT_CHARACTERS = 8;

export function tokenFilePath(dbPath: string): string {
  return `${dbPath}.token`;
}

export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * `remote`: the server listens on a non-loopback address, where PETRI_MCP_TOKEN must also have at
 * least MIN_DISTINCT_CHARACTERS different characters.
 */
export function resolveToken(options: { envToken?: string; dbPath: string; remote?: boolean }): ResolvedToken {
  const resolved = readOrCreateToken(options);
  // Log lines and error texts never show it (it is printed once, on purpose, when generated).
  registerSecret(resolved.token);
  return resolved;
}

function readOrCreateToken(options: { envToken?: string; dbPath: string; remote?: boolean }): ResolvedToken {
  if (options.envToken !== undefined && options.envToken !== "") {
    if (options.envToken.length < MIN_TOKEN_LENGTH || /\s/.test(options.envToken)) {
      throw new TokenError(`PETRI_MCP_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces. Generate one with: openssl rand -base64 32`);
    }
    if (options.remote && new Set(options.envToken).size < MIN_DISTINCT_CHARACTERS) {
      throw new TokenError(`PETRI_MCP_TOKEN is too easy to guess for a non-loopback address: it needs at least ${MIN_DISTINCT_CHARACTERS} different characters. Generate one with: openssl rand -base64 32`);
    }
    return { token: options.envToken, source: "env", path: null };
  }
  if (storeBackend(options.dbPath) === "postgres") {
    throw new TokenError(
      "a PostgreSQL --db needs PETRI_MCP_TOKEN: every server of the team shares one token, and there is no database file to keep a generated one next to. Set it first, e.g. export PETRI_MCP_TOKEN=$(openssl rand -base64 32), with the same value for every server.",
    );
  }
  const path = tokenFilePath(options.dbPath);
  const existing = readTokenFile(path);
  if (existing !== null) return { token: existing, source: "file", path };
  const created = createTokenFile(path, generateToken());
  return created === null ? { token: readTokenFile(path)!, source: "file", path } : { token: created, source: "generated", path };
}

export class TokenError extends Error {}

function readTokenFile(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new TokenError(`The token file ${path} does not hold a valid token (at least ${MIN_TOKEN_LENGTH} characters, no spaces). Delete it to generate a new one, or set PETRI_MCP_TOKEN.`);
  }
  if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    log.warn(`the token file ${path} was readable by other users; its mode is now 0600`);
  }
  return token;
}

/**
 * Writes the token to a private temporary file, then links it into place: the link fails if
 * another process created the file first, so no reader ever sees a half-written token.
 * Returns null when another process won that race.
 */
function createTokenFile(path: string, token: string): string | null {
  // Folders we create are private; an existing folder keeps its mode.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, token + "\n", { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, path);
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return null;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
