import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveToken, TokenError, tokenFilePath } from "../../src/http/token.js";
import { redactSecrets } from "../../src/util/redact.js";
import { tempDir } from "../helpers.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("resolveToken", () => {
  it("generates a token into <db>.token with mode 0600, then reuses it", () => {
    dir = tempDir();
    const dbPath = join(dir, "nested", "petri.db");
    const first = resolveToken({ dbPath });
    expect(first.source).toBe("generated");
    expect(first.path).toBe(`${dbPath}.token`);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(first.path!, "utf8").trim()).toBe(first.token);
    expect(statSync(first.path!).mode & 0o777).toBe(0o600);

    const second = resolveToken({ dbPath });
    expect(second).toEqual({ token: first.token, source: "file", path: first.path });
    expect(resolveToken({ dbPath: join(dir, "other.db") }).token).not.toBe(first.token);
  });

  it("keeps a token read from its file out of log lines and error texts", () => {
    dir = tempDir();
    const { token } = resolveToken({ dbPath: join(dir, "petri.db") });
    const scrubbed = redactSecrets(`upstream said: bad bearer ${token.slice(0, 20)}... (full: ${token})`);
    expect(scrubbed).not.toContain(token.slice(0, 8));
    expect(scrubbed).toContain("[redacted]");
  });

  it("prefers PETRI_MCP_TOKEN and writes no file", () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    expect(resolveToken({ dbPath, envToken: "env-token-0123456789" })).toEqual({ token: "env-token-0123456789", source: "env", path: null });
    expect(existsSync(tokenFilePath(dbPath))).toBe(false);
  });

  it("refuses a short or spaced PETRI_MCP_TOKEN with advice", () => {
    const dbPath = join((dir = tempDir()), "petri.db");
    expect(() => resolveToken({ dbPath, envToken: "short" })).toThrow(TokenError);
    expect(() => resolveToken({ dbPath, envToken: "has spaces in it, long enough" })).toThrow(/at least 16 characters without spaces/);
  });

  it("refuses a token file that holds no valid token instead of serving without auth", () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    writeFileSync(tokenFilePath(dbPath), "\n", { mode: 0o600 });
    expect(() => resolveToken({ dbPath })).toThrow(/does not hold a valid token.*Delete it/);
  });

  it("tightens a token file that others can read", () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    writeFileSync(tokenFilePath(dbPath), "a-token-written-by-hand-1234\n");
    chmodSync(tokenFilePath(dbPath), 0o644);
    expect(resolveToken({ dbPath }).token).toBe("a-token-written-by-hand-1234");
    expect(statSync(tokenFilePath(dbPath)).mode & 0o777).toBe(0o600);
  });
});
