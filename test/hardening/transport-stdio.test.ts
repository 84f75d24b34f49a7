/**
 * stdio under hostile input (issue 14): one message-size limit shared with HTTP, an answer for
 * every line a client could wait on (oversized, not JSON, batch, not JSON-RPC), no call before
 * initialize, and -32602 with a short reason for bad params.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { findRequestId } from "../../src/transport/stdio.js";
import { tempDir } from "../helpers.js";
import { CLI } from "../sharing/processes.js";
import { freshBuild } from "../support/build.js";
import { spawnStdio, type StdioLineClient } from "./transport-helpers.js";

beforeAll(() => freshBuild([CLI]), 180_000);

let dir: string | undefined;
let client: StdioLineClient | undefined;
afterEach(async () => {
  if (client && client.child.exitCode === null) await client.stop();
  client = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function start(env: Record<string, string> = {}): StdioLineClient {
  dir = tempDir("petri-stdio-");
  client = spawnStdio(join(dir, "petri.db"), env);
  return client;
}

async function auditCount(): Promise<number> {
  const store = await openStore(join(dir!, "petri.db"));
  try {
    return (await store.audits.list({ limit: 1 })).total;
  } finally {
    await store.close();
  }
}

describe("stdio message size", () => {
  it("answers a valid 12 MB send_message (the SDK's reader exited 0 in silence above 10 MiB)", async () => {
    const c = start();
    await c.initialize();
    const started = await c.request(1, "tools/call", { name: "start_audit", arguments: { seed_instruction: "Large message check." } });
    const auditId = started.result.structuredContent.audit_id;
    await c.request(2, "tools/call", { name: "set_target_system_message", arguments: { audit_id: auditId, system_message: "System." } });
    // Each \u0001 is escaped to 6 bytes: two 1,000,000-character fields make a 12,000,000+ byte line.
    const line = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "send_message", arguments: { audit_id: auditId, message: "\u0001".repeat(1_000_000), prefill: "\u0001".repeat(1_000_000) } } }) + "\n";
    expect(Buffer.byteLength(line)).toBeGreaterThan(12_000_000);
    await c.write(line);
    const reply = await c.next((msg) => msg.id === 3, 60_000);
    expect(reply.result).toBeDefined();
    expect((await c.request(4, "ping")).result).toEqual({});
    expect(await c.stop()).toBe(0);
  }, 90_000);

  it("refuses a line over --max-message-bytes with a JSON-RPC error carrying its id, and keeps serving", async () => {
    const c = start({ PETRI_MAX_MESSAGE_BYTES: String(1024 * 1024) });
    await c.initialize();
    // The SDK client writes the id last; a hand-written client often writes it first.
    const idLast = `{"method":"tools/call","params":{"name":"start_audit","arguments":{"seed_instruction":"${"x".repeat(3 * 1024 * 1024)}"}},"jsonrpc":"2.0","id":41}\n`;
    const idFirst = `{"jsonrpc":"2.0","id":"big-1","method":"tools/call","params":{"name":"start_audit","arguments":{"seed_instruction":"${"y".repeat(2 * 1024 * 1024)}"}}}\n`;
    await c.write(idLast);
    const first = await c.next((msg) => msg.id === 41);
    expect(first.error.code).toBe(-32600);
    expect(first.error.message).toMatch(/^Request too large: the message is \d+ bytes; the limit is 1048576 bytes/);
    await c.write(idFirst);
    expect((await c.next((msg) => msg.id === "big-1")).error.code).toBe(-32600);
    // A line with no readable id (and no newline for a while) is still answered, with id null.
    await c.write("z".repeat(2 * 1024 * 1024));
    await c.write("z".repeat(1024) + "\n");
    const anonymous = await c.next((msg) => msg.id === null);
    expect(anonymous.error.message).toMatch(/^Request too large/);
    expect((await c.request(5, "ping")).result).toEqual({});
    expect(c.stderr).toMatch(/refused a \d+-byte stdio message \(limit 1048576 bytes, --max-message-bytes\) with id 41/);
    expect(await c.stop()).toBe(0);
    expect(await auditCount()).toBe(0);
  }, 60_000);
});

describe("stdio malformed lines", () => {
  it("answer -32700 or -32600 instead of nothing", async () => {
    const c = start();
    await c.initialize();
    const cases: Array<[string | Buffer, number, unknown]> = [
      ["this is not json\n", -32700, null],
      [Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]), -32700, null],
      ['[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n', -32600, null],
      ['{"jsonrpc":"1.0","id":7,"method":"ping"}\n', -32600, 7],
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}\n', -32600, null],
      ['{"jsonrpc":"2.0","id":1.5,"method":"ping"}\n', -32600, null],
      ['{"jsonrpc":"2.0","id":8,"method":"tools/call","params":5}\n', -32600, 8],
    ];
    for (const [line, code, id] of cases) {
      await c.write(line);
      const reply = await c.next((msg) => msg.error !== undefined);
      expect({ code: reply.error.code, id: reply.id }).toEqual({ code, id });
      expect(reply.error.message.length).toBeLessThan(300);
    }
    // Blank lines are ignored, and the server still works.
    await c.write("\n\r\n");
    expect((await c.request(9, "ping")).result).toEqual({});
    expect(c.replies).toEqual([]);
    expect(await c.stop()).toBe(0);
  }, 30_000);
});

describe("stdio protocol rules", () => {
  it("refuses calls before initialize and creates nothing; ping is allowed", async () => {
    const c = start();
    expect((await c.request(1, "ping")).result).toEqual({});
    const early = await c.request(2, "tools/call", { name: "start_audit", arguments: { seed_instruction: "Before the handshake." } });
    expect(early.error.code).toBe(-32600);
    expect(early.error.message).toMatch(/^Server not initialized: send an initialize request/);
    expect((await c.request(3, "tools/list")).error.code).toBe(-32600);
    await c.initialize();
    const listed = await c.request(4, "tools/call", { name: "list_audits", arguments: {} });
    expect(listed.result.structuredContent.total).toBe(0);
    expect(await c.stop()).toBe(0);
    expect(await auditCount()).toBe(0);
  }, 30_000);

  it("answers bad params with -32602 and a short reason, not -32603 with a zod dump", async () => {
    const c = start();
    await c.initialize();
    const noName = await c.request(1, "tools/call", { arguments: {} });
    expect(noName.error.code).toBe(-32602);
    expect(noName.error.message).toMatch(/^Invalid params for tools\/call: params\.name: /);
    expect(noName.error.message).not.toContain("\n");
    const badArgs = await c.request(2, "tools/call", { name: "list_audits", arguments: "not an object" });
    expect(badArgs.error.code).toBe(-32602);
    expect(badArgs.error.message).toMatch(/params\.arguments/);
    const noUri = await c.request(3, "resources/read", {});
    expect(noUri.error.code).toBe(-32602);
    expect(noUri.error.message).toMatch(/^Invalid params for resources\/read: params\.uri/);
    expect((await c.request(4, "no/such/method", {})).error.code).toBe(-32601);
    expect(await c.stop()).toBe(0);
  }, 30_000);
});

describe("findRequestId", () => {
  it("reads a top-level id at the start or the end of a line, and nothing else", () => {
    expect(findRequestId('{"jsonrpc":"2.0","id":12,"method":"x","params":{"a":"', "")).toBe(12);
    expect(findRequestId('{"id":"a\\"b","method"', "")).toBe('a"b');
    expect(findRequestId('{"method":"tools/call","params":{"', 'xyz"}},"jsonrpc":"2.0","id":41}')).toBe(41);
    expect(findRequestId("{", '"}},"id":"req-9","jsonrpc":"2.0"}\r')).toBe("req-9");
    expect(findRequestId('{"method":"x","params":{"id":5', '"x":{"id":5}}}')).toBeNull();
    expect(findRequestId("zzzz", "zzzz")).toBeNull();
    expect(findRequestId('{"id":1.5,', "")).toBeNull();
  });
});

describe("LineStdioTransport", () => {
  async function harness(maxMessageBytes = 1024) {
    const { PassThrough } = await import("node:stream");
    const { LineStdioTransport } = await import("../../src/transport/stdio.js");
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = "";
    stdout.setEncoding("utf8");
    stdout.on("data", (chunk: string) => (out += chunk));
    const transport = new LineStdioTransport({ maxMessageBytes }, stdin, stdout);
    const messages: any[] = [];
    transport.onmessage = (message) => messages.push(message);
    await transport.start();
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    return { stdin, transport, messages, replies: () => out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)), flush };
  }

  it("splits lines across and within chunks, accepts CRLF, and counts the limit per line", async () => {
    const h = await harness(200);
    const ping = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" });
    h.stdin.write(ping(1).slice(0, 10));
    h.stdin.write(ping(1).slice(10) + "\r\n" + ping(2) + "\n" + ping(3).slice(0, 5));
    h.stdin.write(ping(3).slice(5) + "\n");
    // 150 bytes a line, 450 in one chunk: under the per-line limit.
    const padded = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping", params: { _meta: { pad: "p".repeat(150 - 60) } } });
    h.stdin.write(padded(4) + "\n" + padded(5) + "\n" + padded(6) + "\n");
    await h.flush();
    expect(h.messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.replies()).toEqual([]);
    await h.transport.close();
  });

  it("refuses a message nested deeper than the JSON depth limit before parsing it, and keeps reading", async () => {
    const h = await harness(64 * 1024 * 1024);
    const deep = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"x":' + "[".repeat(1_000_000) + "]".repeat(1_000_000) + "}}}";
    h.stdin.write(deep + "\n" + '{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    await h.flush();
    expect(h.messages.map((m) => m.id)).toEqual([2]);
    const [refusal] = h.replies();
    expect(refusal.error.code).toBe(-32600);
    expect(refusal.error.message).toMatch(/more than 128 levels deep/);
    await h.transport.close();
  });

  it("a message handler that throws does not stop the reader", async () => {
    const h = await harness();
    h.transport.onmessage = (message: any) => {
      if (message.id === 1) throw new Error("boom");
      h.messages.push(message);
    };
    h.stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    await h.flush();
    expect(h.messages.map((m) => m.id)).toEqual([2]);
    await h.transport.close();
  });
});
