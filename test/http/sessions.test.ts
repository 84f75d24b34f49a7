/**
 * Session life cycle (DELETE, idle sweep), the request body limit and SSE delivery of progress.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import type { AppContext } from "../../src/context.js";
import { createServer as createMcpServer } from "../../src/server.js";
import { type HttpTestApp, INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest, startHttpTestApp, TEST_TOKEN, waitFor } from "./http-helpers.js";

let env: HttpTestApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const AUTH = { Authorization: `Bearer ${TEST_TOKEN}` };
const ping = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" });

describe("sessions", () => {
  it("DELETE ends a session; its id then gets 404", async () => {
    env = await startHttpTestApp();
    const one = await env.connect("one");
    const two = await env.connect("two");
    expect(env.http.sessions.size).toBe(2);
    await one.transport.terminateSession();
    await waitFor(() => env!.http.sessions.get(one.sessionId) === undefined, "the deleted session to go");
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, "Mcp-Session-Id": one.sessionId }, body: ping(7) });
    expect(response.status).toBe(404);
    // The other session is untouched.
    await two.ok("list_audits", {});
  });

  it("the sweep timer closes a session idle for idleSessionMs; its id then gets 404", async () => {
    env = await startHttpTestApp({ http: { idleSessionMs: 2_000, sweepIntervalMs: 50 } });
    // A bare initialize, then nothing: like a client that went away without DELETE.
    const opened = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH }, body: INITIALIZE_BODY });
    const sessionId = opened.headers["mcp-session-id"] as string;
    expect(env.http.sessions.get(sessionId)).toBeDefined();
    await waitFor(() => env!.http.sessions.get(sessionId) === undefined, "the idle session to be swept");
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, "Mcp-Session-Id": sessionId }, body: ping(8) });
    expect(response.status).toBe(404);
    expect(response.json().error.message).toMatch(/^Session not found: it was closed/);
  });

  it("a sweep spares a session with an open notification stream", async () => {
    env = await startHttpTestApp({ http: { idleSessionMs: 1, sweepIntervalMs: 3_600_000 } });
    const watcher = await env.connect("watcher");
    await waitFor(() => env!.http.sessions.get(watcher.sessionId)?.openStreams === 1, "the watcher's GET stream");
    const leaver = await env.connect("leaver");
    // Closing an SDK client drops its connections without DELETE, like a crashed or careless client.
    await leaver.client.close();
    await waitFor(() => env!.http.sessions.get(leaver.sessionId)?.openRequests === 0, "the leaver's connections to close");
    await waitFor(() => env!.http.sessions.list().every((s) => s.idleMs >= 1), "both sessions to be idle for 1 ms");

    expect(env.http.sweepIdleSessions()).toBe(1);
    expect(env.http.sessions.get(leaver.sessionId)).toBeUndefined();
    expect(env.http.sessions.get(watcher.sessionId)).toBeDefined();
    await watcher.ok("list_audits", {});
  });

  it("close() ends every session", async () => {
    env = await startHttpTestApp();
    await env.connect("one");
    await env.connect("two");
    expect(env.http.sessions.size).toBe(2);
    await env.http.close();
    expect(env.http.sessions.size).toBe(0);
    expect(env.http.httpServer.listening).toBe(false);
  });
});

describe("request body limit", () => {
  it("a 1 MB tool result passes with the default limit", async () => {
    env = await startHttpTestApp();
    env.app.models.mock("mockllm/target").script({ toolCalls: [{ id: "call_read", function: "read_log", arguments: {} }] }, { text: "Read it all." });
    const auditor = await env.connect();
    const { data: started } = await auditor.ok("start_audit", { seed_instruction: "Large results." });
    const auditId: string = started.audit_id;
    await auditor.ok("set_target_system_message", { audit_id: auditId, system_message: "System." });
    await auditor.ok("send_message", { audit_id: auditId, message: "Read the log." });
    const big = "log line with some text\n".repeat(41_600); // 998,400 characters
    const { data } = await auditor.ok("send_tool_call_result", { audit_id: auditId, tool_call_id: "call_read", result: big });
    expect(data.target_called).toBe(true);
    const stored = (await env.app.store.messages.branch(auditId, "target")).map((m) => m.message);
    expect(stored[3]).toMatchObject({ role: "tool", content: big });
  });

  it("refuses an over-limit body with a JSON-RPC error, not an HTML page", async () => {
    env = await startHttpTestApp({ http: { maxBodyBytes: 64 * 1024 } });
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { padding: "x".repeat(100 * 1024) } });
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH }, body });
    expect(response.status).toBe(413);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.json().error.message).toMatch(/^Request body too large: the limit is 65536 bytes/);

    // Same without a Content-Length (chunked upload): the limit is counted while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const target = new URL(env!.url);
      const headers = { ...MCP_POST_HEADERS, ...AUTH, "Transfer-Encoding": "chunked" };
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write("x".repeat(10 * 1024));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.message).toMatch(/^Request body too large/);
  });

  it("an SDK client sees the limit as an error and the server keeps working", async () => {
    env = await startHttpTestApp({ http: { maxBodyBytes: 64 * 1024 } });
    const auditor = await env.connect();
    await expect(auditor.client.callTool({ name: "start_audit", arguments: { seed_instruction: "x".repeat(100 * 1024) } })).rejects.toThrow(/413|too large/i);
    expect((await env.app.store.audits.list({ limit: 10, offset: 0 })).total).toBe(0);
    await auditor.ok("start_audit", { seed_instruction: "A small seed." });
  });
});

describe("SSE responses", () => {
  it("deliver progress notifications before the result", async () => {
    const withProbe = (app: AppContext) => {
      const server = createMcpServer(app);
      server.registerTool("probe_progress", { description: "Reports progress three times.", inputSchema: { steps: z.number().int().describe("How many steps.") } }, async ({ steps }, extra) => {
        const token = extra._meta?.progressToken;
        for (let step = 1; step <= steps; step++) {
          if (token !== undefined) await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: step, total: steps } });
        }
        return { content: [{ type: "text", text: "done" }] };
      });
      return server;
    };
    env = await startHttpTestApp({ http: { createServer: withProbe } });
    const auditor = await env.connect();
    const progress: number[] = [];
    const result = await auditor.client.callTool({ name: "probe_progress", arguments: { steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(result.content).toEqual([{ type: "text", text: "done" }]);
    expect(progress).toEqual([1, 2, 3]);
  });
});
