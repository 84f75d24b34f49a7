/**
 * `petri-mcp seeds | head` and `petri-mcp list | head`: when the reader closes the pipe early, the
 * built binary ends quietly (exit 0, no EPIPE stack trace) instead of crashing. The same for the
 * stdio server whose client closes its end of stdout while stdin is still open.
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../helpers.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

/** Runs the CLI with its stdout pipe closed before it writes anything, so its first write meets EPIPE. */
function runWithClosedStdout(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stderr }));
  });
}

describe("a closed stdout pipe", () => {
  const dir = tempDir("petri-epipe-");
  const env = { PATH: process.env.PATH, HOME: dir };

  it("petri-mcp seeds exits quietly", async () => {
    const { code, stderr } = await runWithClosedStdout(["seeds"], env);
    expect(stderr).not.toContain("EPIPE");
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("petri-mcp list exits quietly", async () => {
    const db = join(dir, "petri.db");
    const store = await openStore(db);
    for (let i = 0; i < 50; i++) await store.audits.create({ seedInstruction: `seed ${i}`, targetModel: "mockllm/target", maxTurns: 5 });
    await store.close();
    const { code, stderr } = await runWithClosedStdout(["list", "--db", db], env);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("petri-mcp serve (stdio) shuts down cleanly when its client closes stdout", async () => {
    const child = spawn(process.execPath, [CLI, "serve", "--db", join(dir, "serve.db")], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((done) => child.on("close", done));
    const request = (id: number, method: string, params: object = {}) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    const firstLine = new Promise<void>((done) => child.stdout.once("data", () => done()));
    request(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } });
    await firstLine;
    child.stdout.destroy();
    // Answers now meet a closed pipe (EPIPE); stdin stays open, so only the failed write can end the server.
    for (let id = 2; id < 40; id++) request(id, "ping");
    const code = await closed;
    expect(stderr).not.toMatch(/Unhandled|EPIPE|at /);
    expect(stderr).toContain("stdout closed");
    expect(code).toBe(0);
  });
});
