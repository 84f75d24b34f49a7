/**
 * Our Streamable HTTP transport (src/http/streamable.ts) against the SDK's own
 * (StreamableHTTPServerTransport): the same request sequence goes to both, each on node:http with
 * one McpServer, and every answer must match (status, JSON-RPC error code and message, the headers
 * clients read, the SSE events). Session ids are random, so they are compared by position.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { NodeStreamableHttpTransport } from "../../src/http/streamable.js";

interface Side {
  url: string;
  server: Server;
  mcp: McpServer;
}

type HandlesRequests = Transport & { handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> };

async function startSide(transport: HandlesRequests): Promise<Side> {
  const mcp = new McpServer({ name: "conformance", version: "1.0.0" });
  mcp.registerTool("echo", { description: "Echoes its text.", inputSchema: { text: z.string().describe("The text.") } }, async ({ text }) => ({ content: [{ type: "text", text }] }));
  mcp.registerTool("progress", { description: "Reports progress twice, then answers.", inputSchema: {} }, async (_args, extra) => {
    const token = extra._meta?.progressToken;
    for (const step of [1, 2]) if (token !== undefined) await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: step, total: 2 } });
    return { content: [{ type: "text", text: "done" }] };
  });
  // A notification tied to no request: it goes to the session's GET stream.
  mcp.registerTool("announce", { description: "Announces a tool list change.", inputSchema: {} }, async () => {
    mcp.sendToolListChanged();
    return { content: [{ type: "text", text: "announced" }] };
  });
  await mcp.connect(transport);
  const server = createServer((req, res) => {
    transport.handleRequest(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server, mcp };
}

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  /** JSON body, SSE events' data, or the raw text. */
  body: unknown;
}

const COMPARED_HEADERS = ["content-type", "cache-control", "allow", "x-accel-buffering"];

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingMessage["headers"]; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url} did not answer within 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

function sseData(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      expect(block).toMatch(/^event: message\n/);
      return JSON.parse(block.slice(block.indexOf("data: ") + 6)) as unknown;
    });
}

function normalize(raw: { status: number; headers: IncomingMessage["headers"]; text: string }, sessionIds: string[]): Answer {
  const headers: Record<string, string | undefined> = {};
  for (const name of COMPARED_HEADERS) headers[name] = raw.headers[name] as string | undefined;
  const sessionId = raw.headers["mcp-session-id"] as string | undefined;
  if (sessionId !== undefined && !sessionIds.includes(sessionId)) sessionIds.push(sessionId);
  headers["mcp-session-id"] = sessionId === undefined ? undefined : `session-${sessionIds.indexOf(sessionId)}`;
  const type = raw.headers["content-type"] ?? "";
  const body = type.startsWith("text/event-stream") ? sseData(raw.text) : type.startsWith("application/json") ? (JSON.parse(raw.text) as unknown) : raw.text;
  return { status: raw.status, headers, body };
}

const ACCEPT_BOTH = "application/json, text/event-stream";
const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "conformance", version: "1.0.0" } } };

/** One step of the sequence: a request, with SESSION in a header replaced by the side's session id. */
interface Step {
  name: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

const SESSION = "<session>";

async function runSteps(side: Side, steps: Step[], sessionIds: string[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let session = "";
  for (const step of steps) {
    const headers: Record<string, string> = { accept: ACCEPT_BOTH, "content-type": "application/json", ...step.headers };
    for (const [name, value] of Object.entries(headers)) if (value === SESSION) headers[name] = session;
    for (const [name, value] of Object.entries(headers)) if (value === "") delete headers[name];
    const body = step.rawBody ?? (step.body === undefined ? undefined : JSON.stringify(step.body));
    const raw = await send(side.url, step.method ?? "POST", headers, body);
    session ||= (raw.headers["mcp-session-id"] as string | undefined) ?? "";
    answers.push(normalize(raw, sessionIds));
  }
  return answers;
}

const withSession = (extra: Record<string, string> = {}) => ({ "mcp-session-id": SESSION, "mcp-protocol-version": "2025-11-25", ...extra });

const SEQUENCE: Step[] = [
  { name: "wrong Accept", headers: { accept: "application/json" }, body: INIT },
  { name: "wrong Content-Type", headers: { "content-type": "text/plain" }, body: INIT },
  { name: "invalid JSON", rawBody: "{not json" },
  { name: "not JSON-RPC", body: { hello: "world" } },
  { name: "request before initialize", body: { jsonrpc: "2.0", id: 2, method: "tools/list" } },
  { name: "initialize", body: INIT },
  { name: "initialize again", body: { ...INIT, id: 3 }, headers: withSession() },
  { name: "initialized notification", body: { jsonrpc: "2.0", method: "notifications/initialized" }, headers: withSession() },
  { name: "no session id", body: { jsonrpc: "2.0", id: 4, method: "tools/list" } },
  { name: "unknown session id", body: { jsonrpc: "2.0", id: 5, method: "tools/list" }, headers: withSession({ "mcp-session-id": "no-such-session" }) },
  { name: "unsupported protocol version", body: { jsonrpc: "2.0", id: 6, method: "tools/list" }, headers: withSession({ "mcp-protocol-version": "1999-01-01" }) },
  { name: "no protocol version header", body: { jsonrpc: "2.0", id: 7, method: "ping" }, headers: withSession({ "mcp-protocol-version": "" }) },
  { name: "tools/list", body: { jsonrpc: "2.0", id: 8, method: "tools/list" }, headers: withSession() },
  { name: "tools/call", body: { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }, headers: withSession() },
  { name: "tools/call with progress", body: { jsonrpc: "2.0", id: 10, method: "tools/call", params: { name: "progress", arguments: {}, _meta: { progressToken: "p1" } } }, headers: withSession() },
  { name: "unknown tool", body: { jsonrpc: "2.0", id: 11, method: "tools/call", params: { name: "nope", arguments: {} } }, headers: withSession() },
  { name: "batch", body: [{ jsonrpc: "2.0", id: 12, method: "ping" }, { jsonrpc: "2.0", id: 13, method: "tools/call", params: { name: "echo", arguments: { text: "b" } } }, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } }], headers: withSession() },
  { name: "batch too large", body: Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: 100 + i, method: "ping" })), headers: withSession() },
  { name: "GET without Accept", method: "GET", headers: withSession({ accept: "application/json", "content-type": "" }) },
  { name: "PUT", method: "PUT", headers: withSession() },
  { name: "DELETE without session id", method: "DELETE", headers: { "content-type": "" } },
  { name: "DELETE", method: "DELETE", headers: withSession({ "content-type": "" }) },
  { name: "after DELETE", body: { jsonrpc: "2.0", id: 14, method: "tools/list" }, headers: withSession() },
];

describe("Streamable HTTP on node:http answers as the SDK's transport", () => {
  const sides: Side[] = [];
  afterEach(async () => {
    for (const side of sides.splice(0)) {
      await side.mcp.close();
      side.server.closeAllConnections();
      await new Promise<void>((resolve) => side.server.close(() => resolve()));
    }
  });

  const pair = async (options: { enableJsonResponse?: boolean } = {}): Promise<[Side, Side]> => {
    const sdk = await startSide(new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), ...options }));
    const ours = await startSide(new NodeStreamableHttpTransport({ sessionIdGenerator: () => randomUUID(), ...options }));
    sides.push(sdk, ours);
    return [sdk, ours];
  };

  it("gives the same answers to the same requests (SSE replies)", async () => {
    const [sdk, ours] = await pair();
    const expected = await runSteps(sdk, SEQUENCE, []);
    const actual = await runSteps(ours, SEQUENCE, []);
    for (let i = 0; i < SEQUENCE.length; i++) expect({ step: SEQUENCE[i]!.name, ...actual[i] }).toEqual({ step: SEQUENCE[i]!.name, ...expected[i] });
    // The sequence covers what it claims to.
    const byName = (name: string) => actual[SEQUENCE.findIndex((s) => s.name === name)]!;
    expect(byName("initialize").headers["content-type"]).toBe("text/event-stream");
    expect(byName("tools/call with progress").body).toHaveLength(3);
    expect(byName("batch").body).toHaveLength(2);
    expect(byName("unknown session id").status).toBe(404);
    expect(byName("after DELETE").status).toBe(404);
  });

  it("gives the same answers with JSON replies (enableJsonResponse)", async () => {
    const [sdk, ours] = await pair({ enableJsonResponse: true });
    const steps = SEQUENCE.filter((s) => ["initialize", "initialized notification", "tools/list", "tools/call with progress", "batch", "DELETE"].includes(s.name));
    const expected = await runSteps(sdk, steps, []);
    const actual = await runSteps(ours, steps, []);
    expect(actual).toEqual(expected);
    expect(actual[0]!.headers["content-type"]).toBe("application/json");
    expect(actual[4]!.body).toHaveLength(2);
  });

  it("refuses a body nested too deep before parsing it, when the caller did not pre-parse it", async () => {
    const ours = await startSide(new NodeStreamableHttpTransport({ sessionIdGenerator: () => randomUUID() }));
    sides.push(ours);
    const answer = await send(ours.url, "POST", { accept: ACCEPT_BOTH, "content-type": "application/json" }, "[".repeat(100_000) + "]".repeat(100_000));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toMatchObject({ code: -32600, message: expect.stringMatching(/^Invalid Request: .*nest/i) });
  });

  it("delivers notifications tied to no request on the GET stream, one stream per session", async () => {
    for (const side of await pair()) {
      const init = await send(side.url, "POST", { accept: ACCEPT_BOTH, "content-type": "application/json" }, JSON.stringify(INIT));
      expect(init.status).toBe(200);
      const sessionId = init.headers["mcp-session-id"] as string;
      const notInitialized = await send(side.url, "GET", { accept: "text/event-stream" });
      expect(notInitialized.status).toBe(400);
      const stream = await openGet(side.url, sessionId);
      expect(stream.status).toBe(200);
      expect(stream.headers["content-type"]).toBe("text/event-stream");
      expect(stream.headers["mcp-session-id"]).toBe(sessionId);
      const second = await send(side.url, "GET", { accept: "text/event-stream", "mcp-session-id": sessionId });
      expect([second.status, JSON.parse(second.text)]).toEqual([409, { jsonrpc: "2.0", error: { code: -32000, message: "Conflict: Only one SSE stream is allowed per session" }, id: null }]);
      const called = await send(side.url, "POST", { accept: ACCEPT_BOTH, "content-type": "application/json", "mcp-session-id": sessionId }, JSON.stringify({ jsonrpc: "2.0", id: 20, method: "tools/call", params: { name: "announce", arguments: {} } }));
      expect(sseData(called.text)).toHaveLength(1);
      expect(await stream.nextEvent()).toEqual({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      stream.close();
    }
  });
});

function openGet(url: string, sessionId: string): Promise<{ status: number; headers: IncomingMessage["headers"]; nextEvent(): Promise<unknown>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers: { accept: "text/event-stream", "mcp-session-id": sessionId } }, (res) => {
      let buffered = "";
      const waiting: Array<(event: unknown) => void> = [];
      res.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const block = buffered.slice(0, end + 2);
          buffered = buffered.slice(end + 2);
          const [event] = sseData(block);
          if (event !== undefined) waiting.shift()?.(event);
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        nextEvent: () =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error("no event on the GET stream within 10 s")), 10_000);
            waiting.push((event) => {
              clearTimeout(timer);
              done(event);
            });
          }),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
