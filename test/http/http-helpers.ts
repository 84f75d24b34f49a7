/**
 * Test setup for the HTTP transport: an AppContext on a temporary store (`backend`, as createTestApp) behind createHttpApp on
 * 127.0.0.1:0, SDK clients that connect to it, and raw node:http requests (fetch cannot set Host).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { request } from "node:http";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/config.js";
import { type AppContext, createAppContext } from "../../src/context.js";
import { createHttpApp, type HttpApp, type HttpAppOptions } from "../../src/http/app.js";
import { createServer } from "../../src/server.js";
import { ModelRegistry } from "../../src/models/registry.js";
import { tempDir, textOf } from "../helpers.js";
import { type Backend, defaultBackend, freshLocation } from "../support/backends.js";

export const TEST_TOKEN = "test-token-0123456789abcdef";

export interface HttpTestApp {
  app: AppContext;
  http: HttpApp;
  url: string;
  port: number;
  dir: string;
  /** A connected SDK client with the right token; closed by close(). */
  connect(name?: string): Promise<ConnectedClient>;
  close(): Promise<void>;
}

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  sessionId: string;
  ok(name: string, args?: Record<string, unknown>): Promise<{ text: string; data: any }>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

export async function startHttpTestApp(
  options: { models?: ModelRegistry; config?: Partial<Config>; http?: Partial<HttpAppOptions>; backend?: Backend } = {},
): Promise<HttpTestApp> {
  const dir = tempDir("petri-http-");
  const db = await freshLocation(options.backend ?? defaultBackend(), dir);
  const config: Config = { ...loadConfig({ db, "transcripts-dir": join(dir, "outputs") }, {}), targetModel: "mockllm/target", ...options.config };
  const app = await createAppContext(config, { models: options.models ?? new ModelRegistry() });
  const http = createHttpApp(app, { token: TEST_TOKEN, createServer, ...options.http });
  const { url, port } = await http.listen(0, "127.0.0.1");
  const clients: Client[] = [];
  return {
    app,
    http,
    url,
    port,
    dir,
    async connect(name = "http-test-client") {
      const connected = await connectClient(url, TEST_TOKEN, name);
      clients.push(connected.client);
      return connected;
    },
    async close() {
      for (const client of clients) await client.close().catch(() => undefined);
      await http.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function connectClient(url: string, token: string, name = "http-test-client"): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  const call = async (tool: string, args: Record<string, unknown> = {}) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
  return {
    client,
    transport,
    sessionId: transport.sessionId!,
    call,
    async ok(tool, args) {
      const result = await call(tool, args);
      if (result.isError) throw new Error(`${tool} failed: ${textOf(result)}`);
      return { text: textOf(result), data: result.structuredContent };
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

/** One HTTP request with full control over headers (Host included). */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: init.method ?? "POST", headers: init.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

export const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-test", version: "1.0.0" } },
});

/** Headers of a valid MCP POST, without Authorization. */
export const MCP_POST_HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };

/** Polls `check` (it may read a store) until it returns true; fails after `timeoutMs`. For state changes with no event to await. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
