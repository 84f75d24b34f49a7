/**
 * Pure request checks of the HTTP transport: DNS-rebinding protection (Host and Origin) and the
 * bearer token. No I/O here, so every rule is unit-testable.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const LOOPBACK_NAMES = new Set(["localhost", "::1", "[::1]"]);

/** True for addresses that only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase();
  return LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name);
}

/** The Host header values a loopback-bound server answers to (DNS-rebinding protection). */
export function loopbackHostHeaders(port: number): string[] {
  const names = ["127.0.0.1", "localhost", "[::1]"];
  // Clients omit the default port from Host.
  return port === 80 ? names : names.map((name) => `${name}:${port}`);
}

export function isAllowedHostHeader(host: string | undefined, allowed: readonly string[]): boolean {
  if (host === undefined) return false;
  return allowed.includes(host.trim().toLowerCase());
}

function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? null : url.origin;
  } catch {
    return null;
  }
}

/**
 * Requests without Origin come from non-browser clients and pass. A browser's Origin passes when
 * it is listed in `allowedOrigins` or is itself a loopback origin (e.g. the MCP Inspector's UI).
 */
export function isAllowedOrigin(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false;
  if (allowedOrigins.some((allowed) => normalizeOrigin(allowed) === normalized)) return true;
  const url = new URL(normalized);
  return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.hostname);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match ? match[1]! : null;
}

/** Compares two tokens in constant time (hashing first makes the lengths equal). */
export function tokensMatch(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}
