/**
 * `serve --http` startup under hostile or unlucky conditions (issue 14): the token is printed only
 * when generated, folders we create are private, weak tokens are refused off loopback, and an
 * unwritable token folder is a clear error with exit 2, not a stack trace.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runHttpServer } from "../../src/commands/serve-http.js";
import { loadConfig } from "../../src/config.js";
import { resolveToken, TokenError } from "../../src/http/token.js";
import { tempDir } from "../helpers.js";
import { childEnv, CLI, REPO_ROOT } from "../sharing/processes.js";
import { freshBuild } from "../support/build.js";

beforeAll(() => freshBuild([CLI]), 180_000);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function captureIO() {
  const lines: string[] = [];
  return { io: { stdout: (text: string) => lines.push(text), stderr: (text: string) => lines.push(text) }, lines };
}

describe("token", () => {
  it("a folder created for the token file is 0700", () => {
    dir = tempDir();
    const token = resolveToken({ dbPath: join(dir, "private", "petri.db") });
    expect(token.source).toBe("generated");
    expect(statSync(join(dir, "private")).mode & 0o777).toBe(0o700);
    expect(statSync(token.path!).mode & 0o777).toBe(0o600);
  });

  it("a PETRI_MCP_TOKEN with fewer than 8 distinct characters is refused off loopback only", () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    const weak = "abababababababababab";
    expect(() => resolveToken({ dbPath, envToken: weak, remote: true })).toThrow(TokenError);
    expect(() => resolveToken({ dbPath, envToken: weak, remote: true })).toThrow(/at least 8 different characters/);
    expect(resolveToken({ dbPath, envToken: weak }).source).toBe("env");
    expect(resolveToken({ dbPath, envToken: "abcdefgh-0123456789", remote: true }).source).toBe("env");
  });

  it("serve --http --host 0.0.0.0 refuses PETRI_MCP_TOKEN=aaaaaaaaaaaaaaaa with exit 2, before opening anything", async () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    const { io, lines } = captureIO();
    const code = await runHttpServer(loadConfig({ http: true, host: "0.0.0.0", db: dbPath }, { PETRI_MCP_TOKEN: "a".repeat(16) }), io);
    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/PETRI_MCP_TOKEN is too easy to guess for a non-loopback address/);
    expect(existsSync(dbPath)).toBe(false);
  });
});

describe("limits configuration", () => {
  it("defaults, flags and environment variables", () => {
    const defaults = loadConfig({}, {});
    expect(defaults.maxMessageBytes).toBe(16 * 1024 * 1024);
    expect(defaults.http).toMatchObject({ maxSessions: 100, maxConnections: 256, headersTimeoutMs: 8_000, requestTimeoutMs: 30_000 });
    const flags = loadConfig({ "max-message-bytes": "2048", "max-sessions": "3", "max-connections": "9", "headers-timeout-ms": "1000", "request-timeout-ms": "2000" }, {});
    expect(flags.maxMessageBytes).toBe(2048);
    expect(flags.http).toMatchObject({ maxSessions: 3, maxConnections: 9, headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    expect(loadConfig({}, { PETRI_MAX_MESSAGE_BYTES: "4096", PETRI_HTTP_MAX_SESSIONS: "5" })).toMatchObject({ maxMessageBytes: 4096, http: { maxSessions: 5 } });
    // The older name of the message limit still works.
    expect(loadConfig({}, { PETRI_HTTP_MAX_BODY: "8192" }).maxMessageBytes).toBe(8192);
    expect(() => loadConfig({ "max-sessions": "0" }, {})).toThrow(/--max-sessions must be an integer >= 1/);
  });
});

describe("unwritable token folder", () => {
  it("serve --http exits 2 with one clear line and no stack trace", async () => {
    dir = tempDir();
    // As root no folder is read-only; a regular file where the folder should be fails the same way.
    writeFileSync(join(dir, "not-a-folder"), "");
    const dbPath = join(dir, "not-a-folder", "petri.db");
    const child = spawn(process.execPath, [CLI, "serve", "--http", "--port", "0", "--db", dbPath], { cwd: REPO_ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^petri-mcp serve --http: cannot create the token file .*not-a-folder\/petri\.db\.token: .*\(ENOTDIR\)\. Make its folder writable, choose another --db, or set PETRI_MCP_TOKEN\./);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
