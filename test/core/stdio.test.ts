/**
 * The built bin over stdio: stdout carries JSON-RPC only (every byte), logs go to stderr, and
 * closing stdin or SIGTERM shuts down cleanly with the database intact.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers.js";
import { readChildLines } from "../support/child-lines.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");
let dir: string;

beforeAll(() => {
  if (!existsSync(BIN)) execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")]);
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class RawClient {
  readonly stdoutLines: string[] = [];
  stderr = "";
  private nextId = 1;
  private waiting = new Map<number, (msg: any) => void>();
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.exited = readChildLines(
      child,
      (line) => {
        this.stdoutLines.push(line);
        const msg = JSON.parse(line);
        if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg);
      },
      (chunk) => (this.stderr += chunk),
    );
  }

  send(message: object): void {
    this.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");
  }

  request(method: string, params: object = {}): Promise<any> {
    const id = this.nextId++;
    const reply = new Promise<any>((resolve) => this.waiting.set(id, resolve));
    this.send({ id, method, params });
    return reply;
  }

  async initialize(): Promise<any> {
    const init = await this.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw-test", version: "0.0.1" } });
    this.send({ method: "notifications/initialized" });
    return init;
  }
}

function start(dbPath: string, extraEnv: Record<string, string> = {}): RawClient {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, PETRI_DB: dbPath, PETRI_TARGET_MODEL: "mockllm/model", ...extraEnv },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return new RawClient(child);
}

describe("stdio server", () => {
  it("speaks only JSON-RPC on stdout through a whole audit and exits when stdin closes", async () => {
    const dbPath = join(dir, "nested", "folder", "petri.db");
    const client = start(dbPath);
    const init = await client.initialize();
    expect(init.result.serverInfo.name).toBe("petri-mcp");
    expect(init.result.capabilities.tools).toBeDefined();
    const tools = await client.request("tools/list");
    expect(tools.result.tools.map((t: any) => t.name)).toContain("send_message");
    const started = await client.request("tools/call", { name: "start_audit", arguments: { seed_instruction: "stdio check" } });
    const auditId = started.result.structuredContent.audit_id;
    await client.request("tools/call", { name: "set_target_system_message", arguments: { audit_id: auditId, system_message: "sys" } });
    const reply = await client.request("tools/call", { name: "send_message", arguments: { audit_id: auditId, message: "hello" } });
    expect(reply.result.content[0].text).toContain("Default output from mockllm/model");
    const bad = await client.request("tools/call", { name: "send_message", arguments: { audit_id: "missing", message: "x" } });
    expect(bad.result.isError).toBe(true);

    client.child.stdin.end();
    expect(await client.exited).toBe(0);
    for (const line of client.stdoutLines) expect(JSON.parse(line).jsonrpc).toBe("2.0");
    expect(client.stdoutLines.length).toBe(6);
    expect(client.stderr).toContain("ready on stdio");

    // The default folder was created and the database is intact.
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    const store = await openStore(dbPath);
    expect((await store.audits.get(auditId))?.turnsUsed).toBe(1);
    await store.close();
  });

  it("shuts down on SIGTERM", async () => {
    const client = start(join(dir, "sigterm.db"));
    await client.initialize();
    client.child.kill("SIGTERM");
    expect(await client.exited).toBe(0);
  });

  it("uses the per-user default database path when PETRI_DB is not set", async () => {
    const child = spawn(process.execPath, [BIN], { env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_DATA_HOME: join(dir, "xdg") }, stdio: ["pipe", "pipe", "pipe"] });
    const client = new RawClient(child);
    await client.initialize();
    child.stdin.end();
    expect(await client.exited).toBe(0);
    expect(existsSync(join(dir, "xdg", "petri-mcp", "petri.db"))).toBe(true);
  });
});
