/**
 * The HTTP server's gate: bearer token (401), DNS-rebinding protection on Host and Origin (403),
 * CORS for allowed browser origins, routing errors as JSON-RPC errors.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpTestApp, INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest, startHttpTestApp, TEST_TOKEN } from "./http-helpers.js";
import { dumpStore } from "../helpers.js";

let env: HttpTestApp;
const AUTH = { Authorization: `Bearer ${TEST_TOKEN}` };

beforeAll(async () => {
  env = await startHttpTestApp({ http: { allowedOrigins: ["https://inspector.example.com"] } });
});
afterAll(async () => {
  await env.close();
});

function expectRpcError(response: { status: number; headers: Record<string, unknown>; json(): any }, status: number, message: RegExp): void {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  const body = response.json();
  expect(body.jsonrpc).toBe("2.0");
  expect(body.error.message).toMatch(message);
}

describe("bearer token", () => {
  it("refuses a request without a token with 401 and WWW-Authenticate: Bearer", async () => {
    const before = dumpStore(env.app.store);
    const response = await rawRequest(env.url, { headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    expectRpcError(response, 401, /^Unauthorized: no bearer token\. Send the header 'Authorization: Bearer <token>'/);
    expect(response.headers["www-authenticate"]).toMatch(/^Bearer /);
    expect(env.http.sessions.size).toBe(0);
    expect(dumpStore(env.app.store)).toEqual(before);
  });

  it.each([
    ["a wrong token", `Bearer wrong-token-0123456789abcdef`],
    ["a prefix of the token", `Bearer ${TEST_TOKEN.slice(0, -1)}`],
    ["the token with a suffix", `Bearer ${TEST_TOKEN}x`],
    ["another scheme", `Basic ${TEST_TOKEN}`],
  ])("refuses %s with 401", async (_what, authorization) => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, Authorization: authorization }, body: INITIALIZE_BODY });
    expectRpcError(response, 401, /^Unauthorized/);
    expect(response.headers["www-authenticate"]).toMatch(/^Bearer /);
    expect(env.http.sessions.size).toBe(0);
  });

  it("an SDK client with a wrong token cannot connect", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(env.url), { requestInit: { headers: { Authorization: "Bearer not-the-token-at-all" } } });
    const client = new Client({ name: "intruder", version: "1.0.0" });
    await expect(client.connect(transport)).rejects.toThrow();
    expect(env.http.sessions.size).toBe(0);
  });

  it("accepts the right token", async () => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH }, body: INITIALIZE_BODY });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("text/event-stream");
    expect(response.headers["mcp-session-id"]).toMatch(/^[0-9a-f-]{36}$/);
    await rawRequest(env.url, { method: "DELETE", headers: { ...AUTH, "Mcp-Session-Id": response.headers["mcp-session-id"] as string } });
  });
});

describe("DNS-rebinding protection", () => {
  it.each(["evil.example.com", "evil.example.com:80", "127.0.0.1:1", "localhost", "127.0.0.1.nip.io"])("refuses Host %s with 403", async (host) => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, Host: host }, body: INITIALIZE_BODY });
    expectRpcError(response, 403, /^Forbidden: Host header '.*' is not one this server answers to .*DNS rebinding/);
    expect(env.http.sessions.size).toBe(0);
  });

  it("refuses a bad Host even without a token (403 before 401)", async () => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, Host: "evil.example.com" }, body: INITIALIZE_BODY });
    expect(response.status).toBe(403);
  });

  it.each(["127.0.0.1", "localhost", "[::1]"])("accepts Host %s with the server's port", async (name) => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, Host: `${name}:${env.port}` }, body: INITIALIZE_BODY });
    expect(response.status).toBe(200);
    await rawRequest(env.url, { method: "DELETE", headers: { ...AUTH, "Mcp-Session-Id": response.headers["mcp-session-id"] as string } });
  });

  it.each(["http://evil.example.com", "https://evil.example.com", "null", "http://localhost.evil.example.com:8765", "file://"])("refuses Origin %s with 403", async (origin) => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, Origin: origin }, body: INITIALIZE_BODY });
    expectRpcError(response, 403, /^Forbidden: Origin '.*' is not allowed/);
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(env.http.sessions.size).toBe(0);
  });

  it.each(["http://localhost:6274", "http://127.0.0.1:5173", "http://[::1]:3000", "https://inspector.example.com"])("accepts Origin %s and answers with CORS headers", async (origin) => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH, Origin: origin }, body: INITIALIZE_BODY });
    expect(response.status).toBe(200);
    expect(response.headers["access-control-allow-origin"]).toBe(origin);
    expect(response.headers["access-control-expose-headers"]).toMatch(/Mcp-Session-Id/);
    await rawRequest(env.url, { method: "DELETE", headers: { ...AUTH, "Mcp-Session-Id": response.headers["mcp-session-id"] as string } });
  });

  it("answers a CORS preflight from an allowed origin without a token", async () => {
    const response = await rawRequest(env.url, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:6274", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type, mcp-session-id" },
    });
    expect(response.status).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe("http://localhost:6274");
    expect(String(response.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    expect(String(response.headers["access-control-allow-methods"])).toContain("POST");
  });

  it("refuses a CORS preflight from another origin", async () => {
    const response = await rawRequest(env.url, { method: "OPTIONS", headers: { Origin: "http://evil.example.com", "Access-Control-Request-Method": "POST" } });
    expect(response.status).toBe(403);
  });
});

describe("routing", () => {
  it("answers other paths with a JSON 404 (after the token check)", async () => {
    expect((await rawRequest(env.url.replace("/mcp", "/other"), { headers: MCP_POST_HEADERS, body: "{}" })).status).toBe(401);
    expectRpcError(await rawRequest(env.url.replace("/mcp", "/other"), { headers: { ...MCP_POST_HEADERS, ...AUTH }, body: "{}" }), 404, /MCP endpoint is \/mcp/);
  });

  it("answers other methods with 405", async () => {
    const response = await rawRequest(env.url, { method: "PUT", headers: { ...MCP_POST_HEADERS, ...AUTH }, body: "{}" });
    expectRpcError(response, 405, /not allowed/);
    expect(response.headers.allow).toContain("POST");
  });

  it("answers an unknown session id with 404 on POST, GET and DELETE", async () => {
    const headers = { ...MCP_POST_HEADERS, ...AUTH, "Mcp-Session-Id": "no-such-session" };
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" });
    for (const method of ["POST", "GET", "DELETE"]) {
      const response = await rawRequest(env.url, { method, headers, body: method === "POST" ? ping : undefined });
      expectRpcError(response, 404, /^Session not found/);
      expect(response.json().error.code).toBe(-32001);
    }
  });

  it("answers a non-initialize request without a session with 400", async () => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH }, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }) });
    expectRpcError(response, 400, /no Mcp-Session-Id header\. Send an initialize request first/);
    expect((await rawRequest(env.url, { method: "GET", headers: { ...AUTH, Accept: "text/event-stream" } })).status).toBe(400);
  });

  it("answers invalid JSON with a JSON-RPC parse error", async () => {
    const response = await rawRequest(env.url, { headers: { ...MCP_POST_HEADERS, ...AUTH }, body: "{not json" });
    expectRpcError(response, 400, /^Parse error/);
    expect(response.json().error.code).toBe(-32700);
  });

  it("keeps nothing of an initialize the transport refuses", async () => {
    const response = await rawRequest(env.url, { headers: { "Content-Type": "application/json", Accept: "text/html", ...AUTH }, body: INITIALIZE_BODY });
    expect(response.status).toBe(406);
    expect(env.http.sessions.size).toBe(0);
  });
});
