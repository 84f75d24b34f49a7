/**
 * Who may use the viewer: the holder of the HTTP server's token (src/http/token.ts). A browser
 * opens the printed URL once with `?token=…`; the viewer answers with an HttpOnly, SameSite=Strict
 * cookie and a redirect to the same URL without the token, so the token leaves the address bar and
 * history. The cookie holds a keyed hash of the token, never the token itself, so it cannot be
 * replayed as the MCP endpoint's bearer token. Scripts and curl may send `Authorization: Bearer`.
 */
import { createHash, createHmac } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { bearerToken, tokensMatch } from "../http/guards.js";

export const TOKEN_PARAM = "token";

export interface ViewerAuth {
  cookieName: string;
  /** The Set-Cookie header value that signs this browser in. */
  setCookie: string;
  /** True when the request carries the viewer cookie or the bearer token. */
  allows(req: IncomingMessage): boolean;
  /** True when `given` (a `?token=` value) is the token. */
  tokenMatches(given: string): boolean;
}

/** The value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function viewerAuth(token: string): ViewerAuth {
  // Viewers of different stores (different tokens) on one host keep separate cookies.
  const cookieName = `petri_viewer_${createHash("sha256").update(token).digest("hex").slice(0, 10)}`;
  const cookieValue = createHmac("sha256", token).update("petri-mcp viewer cookie v1").digest("base64url");
  return {
    cookieName,
    setCookie: `${cookieName}=${cookieValue}; HttpOnly; SameSite=Strict; Path=/`,
    allows(req) {
      const cookie = readCookie(req.headers.cookie, cookieName);
      if (cookie !== null && tokensMatch(cookie, cookieValue)) return true;
      const bearer = bearerToken(req.headers.authorization);
      return bearer !== null && tokensMatch(bearer, token);
    },
    tokenMatches: (given) => tokensMatch(given, token),
  };
}
