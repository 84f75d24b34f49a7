/**
 * `petri-mcp serve --http` as users run it: startup checks, the token file, the banner, clients,
 * and a clean shutdown on SIGTERM. A PostgreSQL URL's password never reaches stderr.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runHttpServer } from "../../src/commands/serve-http.js";
import { loadConfig } from "../../src/config.js";
import { tokenFilePath } from "../../src/http/token.js";
import { tempDir } from "../helpers.js";
import { childEnv, CLI, type HttpProcess, REPO_ROOT, spawnHttpServer } from "../sharing/processes.js";
import { freePort } from "../support/ports.js";
import { connectClient } from "./http-helpers.js";
import { freshBuild } from "../support/build.js";

beforeAll(() => freshBuild([CLI]), 180_000);

const DB_PASSWORD = "Db-Pass-Never-Shown-42";
let dir: string | undefined;
const running: HttpProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function captureIO() {
  const lines: string[] = [];
  return { io: { stdout: (text: string) => lines.push(text), stderr: (text: string) => lines.push(text) }, lines };
}

describe("serve --http startup checks", () => {
  it("refuses a non-loopback address without PETRI_MCP_TOKEN, before touching anything", async () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    const { io, lines } = captureIO();
    const code = await runHttpServer(loadConfig({ http: true, host: "0.0.0.0", db: dbPath }, {}), io);
    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/refusing to listen on 0\.0\.0\.0 without PETRI_MCP_TOKEN.*--host 127\.0\.0\.1/);
    expect(existsSync(dbPath)).toBe(false);
    expect(existsSync(tokenFilePath(dbPath))).toBe(false);
  });

  it("with a PostgreSQL --db, requires PETRI_MCP_TOKEN (no token file) and never shows the URL's password", async () => {
    const { io, lines } = captureIO();
    const code = await runHttpServer(loadConfig({ http: true, db: `postgresql://petri:${DB_PASSWORD}@127.0.0.1:9/petri` }, {}), io);
    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/a PostgreSQL --db needs PETRI_MCP_TOKEN: every server of the team shares one token/);
    expect(lines.join("\n")).not.toContain(DB_PASSWORD);
  });

  it("refuses a weak PETRI_MCP_TOKEN", async () => {
    dir = tempDir();
    const { io, lines } = captureIO();
    const code = await runHttpServer(loadConfig({ http: true, db: join(dir, "petri.db") }, { PETRI_MCP_TOKEN: "short" }), io);
    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/PETRI_MCP_TOKEN must be at least 16 characters/);
  });
});

describe("serve with a PostgreSQL URL that cannot be reached", () => {
  /** Runs `petri-mcp serve <args>` until it exits; its exit code and stderr. */
  function runServe(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [CLI, "serve", ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
  }

  for (const transport of ["stdio", "http"] as const) {
    it(`(${transport}) exits with one clear line that names the server but never the password`, { timeout: 30_000 }, async () => {
      const url = `postgresql://petri:${DB_PASSWORD}@127.0.0.1:${await freePort()}/petri`;
      // stdio takes the URL from --db, HTTP from PETRI_DB.
      const { code, stderr } =
        transport === "http"
          ? await runServe(["--http", "--port", "0"], { PETRI_DB: url, PETRI_MCP_TOKEN: "env-token-for-this-test-0123", PETRI_LOG_LEVEL: "debug" })
          : await runServe(["--db", url], { PETRI_LOG_LEVEL: "debug" });
      expect(code).toBe(2);
      expect(stderr).toContain("Cannot open the AuditStore at postgresql://petri:[redacted]@127.0.0.1:");
      expect(stderr).not.toContain(DB_PASSWORD);
    });
  }
});

describe("serve --http process", () => {
  it("generates a token file, serves clients that send it, stops on SIGTERM, and reuses the token on restart without printing it", async () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    const server = await spawnHttpServer(["--db", dbPath, "--target-model", "mockllm/model"]);
    running.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(server.stderr()).toContain(`bearer token (new, saved with mode 0600 to ${dbPath}.token)`);
    const token = server.printedToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(`${dbPath}.token`).mode & 0o777).toBe(0o600);

    const auditor = await connectClient(server.url, token, "auditor");
    const { data } = await auditor.ok("start_audit", { seed_instruction: "Spawned HTTP server." });
    await auditor.ok("set_target_system_message", { audit_id: data.audit_id, system_message: "System." });
    const { data: reply } = await auditor.ok("send_message", { audit_id: data.audit_id, message: "Hello?" });
    expect(reply.message_index).toBe(2);
    await auditor.client.close();

    // Exit code 0 (not death by signal): the handler closed the sessions and the database.
    expect(await server.stop("SIGTERM")).toBe(0);

    const restarted = await spawnHttpServer(["--db", dbPath]);
    running.push(restarted);
    // Later starts say where the token is, never the token itself.
    expect(restarted.stderr()).toContain(`bearer token: in ${dbPath}.token`);
    expect(restarted.stderr()).not.toContain(token);
    expect(restarted.printedToken).toBeNull();
    const watcher = await connectClient(restarted.url, token, "watcher");
    const { data: audit } = await watcher.ok("get_audit", { audit_id: data.audit_id });
    expect(audit.turns_used).toBe(1);
    await watcher.client.close();
    expect(await restarted.stop("SIGINT")).toBe(0);
  });

  it("with PETRI_MCP_TOKEN, uses it, never prints it and writes no token file", async () => {
    dir = tempDir();
    const dbPath = join(dir, "petri.db");
    const secret = "env-token-for-this-test-0123";
    const server = await spawnHttpServer(["--db", dbPath], { PETRI_MCP_TOKEN: secret });
    running.push(server);
    expect(server.printedToken).toBeNull();
    expect(server.stderr()).toContain("bearer token: the value of PETRI_MCP_TOKEN");
    const client = await connectClient(server.url, secret);
    await client.ok("list_audits", {});
    await client.client.close();
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain(secret);
    expect(existsSync(tokenFilePath(dbPath))).toBe(false);
  });
});
