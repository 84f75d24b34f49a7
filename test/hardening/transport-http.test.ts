/**
 * HTTP under hostile clients (issue 14): slow or silent clients lose their connection, a refused
 * request's body is never read, sessions and connections are capped, and the JSON-RPC rules of
 * the stdio transport (no call before initialize, -32602 for bad params) hold here too.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import { createServer } from "../../src/server.js";
import { connectClient, type HttpTestApp, INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest, startHttpTestApp, TEST_TOKEN } from "../http/http-helpers.js";
import { openSocket, type RawSocket, sleep } from "./transport-helpers.js";

let env: HttpTestApp | undefined;
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const raw of sockets.splice(0)) raw.socket.destroy();
  await env?.close();
  env = undefined;
});

async function open(): Promise<RawSocket> {
  const raw = await openSocket(env!.port);
  sockets.push(raw);
  return raw;
}

const AUTH = { Authorization: `Bearer ${TEST_TOKEN}` };

describe("slow and silent clients", () => {
  it("a client trickling its headers byte by byte is cut off within 10 s (default limits)", async () => {
    env = await startHttpTestApp();
    const raw = await open();
    const request = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${env.port}\r\nContent-Type: application/json\r\nX-Padding: ${"p".repeat(200)}`;
    let closedAt: number | null = null;
    void raw.closed.then((ms) => (closedAt = ms));
    for (let i = 0; i < request.length && closedAt === null; i++) {
      raw.socket.write(request[i]!);
      await sleep(100);
    }
    expect(closedAt).not.toBeNull();
    expect(closedAt!).toBeLessThan(10_000);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it("a connection that never sends a byte is closed after the headers timeout", async () => {
    env = await startHttpTestApp({ http: { headersTimeoutMs: 500 } });
    const raw = await open();
    expect(await raw.closed).toBeLessThan(5_000);
  }, 15_000);

  it("an unauthenticated client trickling a body gets 401 and the connection is closed at once", async () => {
    env = await startHttpTestApp();
    const raw = await open();
    raw.socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${env.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"jsonrpc":`);
    const closed = await Promise.race([raw.closed, sleep(3_000).then(() => -1)]);
    expect(closed).toBeGreaterThan(0);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 401/);
    expect(raw.received()).toMatch(/Connection: close/i);
  }, 15_000);

  it("the body of an unauthenticated 1 GiB upload is not read: 401 and the connection closes", async () => {
    env = await startHttpTestApp();
    const serverRead: number[] = [];
    env.http.httpServer.on("connection", (socket) => socket.once("close", () => serverRead.push(socket.bytesRead)));
    const raw = await open();
    raw.socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${env.port}\r\nContent-Type: application/json\r\nContent-Length: ${1024 ** 3}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let closed = false;
    void raw.closed.then(() => (closed = true));
    const deadline = Date.now() + 10_000;
    while (!closed && sent < 256 * 1024 * 1024 && Date.now() < deadline) {
      if (!raw.socket.write(chunk)) await Promise.race([new Promise((resolve) => raw.socket.once("drain", resolve)), raw.closed, sleep(200)]);
      sent += chunk.length;
    }
    await Promise.race([raw.closed, sleep(3_000)]);
    expect(closed).toBe(true);
    await sleep(50);
    expect(serverRead.length).toBe(1);
    // The socket read what arrived with the headers (~64 KiB), not the upload (Node drained it before).
    expect(serverRead[0]!).toBeLessThan(1024 * 1024);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 401/);
  }, 30_000);

  it("Expect: 100-continue without a token gets 401 before any body is sent", async () => {
    env = await startHttpTestApp();
    const raw = await open();
    raw.socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${env.port}\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n`);
    await Promise.race([raw.closed, sleep(3_000)]);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 401/);
    expect(raw.received()).not.toMatch(/100 Continue/);
  }, 15_000);
});

describe("Expect: 100-continue with the token", () => {
  it("gets 100 Continue, then the body is read and answered (curl sends this for bodies over 1 MiB)", async () => {
    env = await startHttpTestApp();
    const raw = await open();
    raw.socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${env.port}\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(INITIALIZE_BODY)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    for (let i = 0; i < 100 && !raw.received().includes("100 Continue"); i++) await sleep(20);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 100 Continue/);
    raw.socket.write(INITIALIZE_BODY);
    for (let i = 0; i < 250 && !raw.received().includes("serverInfo"); i++) await sleep(20);
    expect(raw.received()).toMatch(/HTTP\/1\.1 200 OK/);
    expect(raw.received()).toContain('"name":"petri-mcp"');
  }, 15_000);
});

describe("caps", () => {
  it("--max-sessions: the session over the cap gets 503 with a JSON-RPC error; closing one frees a place", async () => {
    env = await startHttpTestApp({ http: { maxSessions: 3 } });
    const clients = [await env.connect("a"), await env.connect("b"), await env.connect("c")];
    const refused = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, Host: `127.0.0.1:${env.port}` }, body: INITIALIZE_BODY });
    expect(refused.status).toBe(503);
    expect(refused.json().error.message).toMatch(/^Too many sessions: this server holds at most 3 MCP sessions at once \(--max-sessions\)/);
    expect(env.http.sessions.size).toBe(3);
    await clients[0]!.transport.terminateSession();
    const fourth = await connectClient(env.url, TEST_TOKEN, "d");
    await fourth.ok("list_audits", {});
    await fourth.client.close();
  }, 30_000);

  it("--max-connections: connections over the cap are dropped; the server serves again once they go", async () => {
    env = await startHttpTestApp({ http: { maxConnections: 4 } });
    const idle = [await open(), await open(), await open(), await open()];
    const extra = await open();
    expect(await Promise.race([extra.closed, sleep(3_000).then(() => -1)])).toBeGreaterThan(0);
    expect(extra.received()).toBe("");
    for (const raw of idle) raw.socket.destroy();
    await Promise.all(idle.map((raw) => raw.closed));
    await sleep(50);
    const client = await env.connect();
    await client.ok("list_audits", {});
  }, 30_000);

  it("a tool call that runs longer than the request timeout still answers (the timeout covers receiving only)", async () => {
    const withSlowTool = (app: AppContext): McpServer => {
      const server = createServer(app);
      server.registerTool("probe_slow", { description: "Waits.", inputSchema: { ms: z.number().int().describe("How long.") } }, async ({ ms }) => {
        await sleep(ms);
        return { content: [{ type: "text", text: "done" }] };
      });
      return server;
    };
    env = await startHttpTestApp({ http: { createServer: withSlowTool, headersTimeoutMs: 300, requestTimeoutMs: 500 } });
    const client = await env.connect();
    const result = await client.call("probe_slow", { ms: 2_500 });
    expect(result.content).toEqual([{ type: "text", text: "done" }]);
  }, 30_000);
});

describe("JSON-RPC rules over HTTP", () => {
  it("a tools/call without a session (no initialize) is refused and creates nothing", async () => {
    env = await startHttpTestApp();
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "start_audit", arguments: { seed_instruction: "No handshake." } } });
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, Host: `127.0.0.1:${env.port}` }, body });
    expect(response.status).toBe(400);
    expect((await env.app.store.audits.list({ limit: 10, offset: 0 })).total).toBe(0);
  });

  it("bad params get -32602 with a short reason", async () => {
    env = await startHttpTestApp();
    const client = await env.connect();
    const error = await client.client.request({ method: "tools/call", params: { arguments: {} } } as never, z.object({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toMatch(/Invalid params for tools\/call: params\.name: /);
  });
});
