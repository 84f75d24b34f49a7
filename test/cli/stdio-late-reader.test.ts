/**
 * A client that sends its requests, closes the server's stdin and reads the answers only later
 * (`printf '...' | petri-mcp | slow-reader`) still gets every byte: the stdio server does not exit
 * while its last reply, larger than the 64 KiB pipe, sits unwritten in its stdout buffer.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

describe("the built stdio server and a client that reads late", () => {
  it("hands over a whole tools/list reply larger than the pipe after stdin closed", async () => {
    const dir = tempDir("petri-late-reader-");
    const input = join(dir, "in.jsonl");
    const output = join(dir, "out.jsonl");
    const go = join(dir, "go.fifo");
    execFileSync("mkfifo", [go]);
    const lines = [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
    ];
    writeFileSync(input, lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
    // The reader starts copying the server's stdout only when the test writes to `go`, which it does
    // once the server has begun shutting down: by then the pipe is full and the rest of the reply waits.
    const script = `"$NODE" "$CLI" serve --db "$DIR/petri.db" < "$IN" | { read -r _ < "$GO"; cat > "$OUT"; }`;
    const child = spawn("bash", ["-c", script], {
      env: { PATH: process.env.PATH, HOME: dir, NODE: process.execPath, CLI, DIR: dir, IN: input, OUT: output, GO: go },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const shuttingDown = new Promise<void>((done) =>
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("shutting down (stdin closed)")) done();
      }),
    );
    const closed = new Promise<number | null>((done) => child.on("close", done));
    await shuttingDown;
    writeFileSync(go, "go\n");
    expect(await closed).toBe(0);
    const replies = readFileSync(output, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(replies.map((reply) => reply.id)).toEqual([1, 2]);
    expect(JSON.stringify(replies[1]).length).toBeGreaterThan(65_536);
    expect(replies[1].result.tools.length).toBeGreaterThanOrEqual(18);
    expect(stderr).toMatch(/waiting up to \d+s for the client to read the last \d+ bytes of output/);
  });
});
