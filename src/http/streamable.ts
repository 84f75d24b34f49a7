/**
 * Streamable HTTP (MCP spec 2025-11-25) served directly on node:http's request and response.
 *
 * It behaves as the SDK's StreamableHTTPServerTransport (1.32) in the stateful mode petri-mcp uses
 * (same statuses, JSON-RPC error codes, messages, headers and SSE framing; test/http/
 * streamable-conformance.test.ts compares the two), without the SDK's route through @hono/node-server
 * and a Web-standard Request, Response and ReadableStream per request, which profiling showed to be
 * the largest HTTP cost of a turn. Not supported (petri-mcp does not use them): resumability with an
 * event store (Last-Event-ID) and the SDK's optional DNS-rebinding checks (src/http/app.ts has its own).
 *
 * One difference on the wire, invisible to clients: the headers of a POST's SSE stream go out with
 * its first event (or the first keep-alive), so a reply that is ready at once is one write.
 */
import { armSseKeepAlive, DEFAULT_SSE_KEEP_ALIVE_MS } from "@modelcontextprotocol/sdk/server/sseKeepAlive.js";
import { DEFAULT_MAX_REQUEST_BODY_SIZE, MAX_BATCH_SIZE, requestBodyTooLargeMessage } from "@modelcontextprotocol/sdk/server/requestBody.js";
import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type MessageExtraInfo,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "../transport/json-depth.js";
import { readBodyBytes } from "./body.js";

export interface NodeStreamableHttpOptions {
  /** Makes the transport stateful: the initialize response carries this id in Mcp-Session-Id. */
  sessionIdGenerator?: () => string;
  onsessioninitialized?: (sessionId: string) => void | Promise<void>;
  onsessionclosed?: (sessionId: string | undefined) => void | Promise<void>;
  /** Answer POSTs with one JSON body instead of an SSE stream (default false, as the SDK). */
  enableJsonResponse?: boolean;
  /** Interval of `: keepalive` comments on open SSE streams (default the SDK's 15 s; 0 disables). */
  keepAliveMs?: number;
  /** Largest body read when handleRequest gets no parsed body (default the SDK's 4 MiB). */
  maxRequestBodySize?: number;
}

/** An open response: an SSE stream, or a JSON reply waiting for all its responses. */
interface Stream {
  res: ServerResponse;
  json: boolean;
  /** Forgets the stream (its keep-alive too), leaving the response as it is. */
  forget(): void;
  /** Forgets the stream and ends the response, with `last` (SSE text) as its final event. */
  finish(last?: string): void;
}

const STANDALONE = "_GET_stream";
const SSE_HEADERS = { "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" };

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function isResponse(message: JSONRPCMessage): boolean {
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
}

export class NodeStreamableHttpTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private started = false;
  private initialized = false;
  private closed = false;
  private handledRequest = false;
  private readonly streams = new Map<string, Stream>();
  private readonly requestToStream = new Map<RequestId, string>();
  private readonly responses = new Map<RequestId, JSONRPCMessage>();
  private readonly keepAliveMs: number;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: NodeStreamableHttpOptions = {}) {
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_SSE_KEEP_ALIVE_MS;
    this.maxBodyBytes = options.maxRequestBodySize ?? DEFAULT_MAX_REQUEST_BODY_SIZE;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("Transport already started");
    this.started = true;
  }

  /** Answers one HTTP request of this session; `parsedBody` is the POST body already read and parsed. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (this.closed) return this.fail(res, 404, -32001, "Session not found", false);
    if (!this.options.sessionIdGenerator && this.handledRequest) {
      throw new Error("Stateless transport cannot be reused across requests. Create a new transport per request.");
    }
    this.handledRequest = true;
    switch (req.method) {
      case "POST":
        return this.handlePost(req, res, parsedBody);
      case "GET":
        return this.handleGet(req, res);
      case "DELETE":
        return this.handleDelete(req, res);
      default:
        this.onerror?.(new Error("Method not allowed."));
        return this.reply(res, 405, -32000, "Method not allowed.", undefined, { Allow: "GET, POST, DELETE" });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [...this.streams.values()]) stream.finish();
    this.streams.clear();
    this.responses.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const requestId = isResponse(message) ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (isResponse(message)) throw new Error("Cannot send a response on a standalone SSE stream unless resuming a previous client request");
      this.streams.get(STANDALONE)?.res.write(sseEvent(message));
      return;
    }
    const streamId = this.requestToStream.get(requestId);
    if (streamId === undefined) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    const stream = this.streams.get(streamId);
    if (!isResponse(message)) {
      if (stream && !stream.json) stream.res.write(sseEvent(message));
      return;
    }
    this.responses.set(requestId, message);
    const related = [...this.requestToStream].filter(([, id]) => id === streamId).map(([id]) => id);
    if (!related.every((id) => this.responses.has(id))) {
      if (stream && !stream.json) stream.res.write(sseEvent(message));
      return;
    }
    const replies = related.map((id) => this.responses.get(id)!);
    for (const id of related) {
      this.responses.delete(id);
      this.requestToStream.delete(id);
    }
    if (!stream) {
      if (this.closed) return;
      throw new Error(`No connection established for request ID: ${String(requestId)}`);
    }
    if (!stream.json) return stream.finish(sseEvent(message));
    stream.forget();
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.sessionId !== undefined) headers["mcp-session-id"] = this.sessionId;
    stream.res.writeHead(200, headers).end(JSON.stringify(replies.length === 1 ? replies[0] : replies));
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<void> {
    try {
      const accept = req.headers.accept;
      if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) {
        return this.fail(res, 406, -32000, "Not Acceptable: Client must accept both application/json and text/event-stream");
      }
      if (!isJsonContentType(req.headers["content-type"])) {
        return this.fail(res, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
      }
      const extra: MessageExtraInfo = { authInfo: (req as { auth?: MessageExtraInfo["authInfo"] }).auth, requestInfo: { headers: req.headers, url: requestUrl(req) } };
      let raw = parsedBody;
      if (raw === undefined) {
        const body = await readBodyBytes(req, this.maxBodyBytes);
        if (body === null) return this.fail(res, 413, -32000, requestBodyTooLargeMessage(this.maxBodyBytes));
        // The same bounded-work guard as readJsonBody (src/http/body.ts), with the SDK's error texts.
        if (nestsDeeperThan(body)) return this.fail(res, 400, -32600, `Invalid Request: ${TOO_DEEP_MESSAGE}`);
        try {
          raw = JSON.parse(body.toString("utf8"));
        } catch {
          return this.fail(res, 400, -32700, "Parse error: Invalid JSON");
        }
      }
      if (Array.isArray(raw) && raw.length > MAX_BATCH_SIZE) {
        return this.fail(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
      }
      let messages: JSONRPCMessage[];
      try {
        messages = Array.isArray(raw) ? raw.map((m) => JSONRPCMessageSchema.parse(m)) : [JSONRPCMessageSchema.parse(raw)];
      } catch {
        return this.fail(res, 400, -32700, "Parse error: Invalid JSON-RPC message");
      }
      if (this.closed) return this.fail(res, 404, -32001, "Session not found", false);
      const initializing = messages.some(isInitializeRequest);
      if (initializing) {
        if (this.initialized && this.sessionId !== undefined) return this.fail(res, 400, -32600, "Invalid Request: Server already initialized");
        if (messages.length > 1) return this.fail(res, 400, -32600, "Invalid Request: Only one initialization request is allowed");
        this.sessionId = this.options.sessionIdGenerator?.();
        this.initialized = true;
        if (this.sessionId && this.options.onsessioninitialized) await this.options.onsessioninitialized(this.sessionId);
      } else if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) {
        return;
      }
      if (this.closed) return this.fail(res, 404, -32001, "Session not found", false);
      if (!messages.some(isJSONRPCRequest)) {
        for (const message of messages) this.onmessage?.(message, extra);
        res.writeHead(202).end();
        return;
      }
      const streamId = randomUUID();
      const stream = this.options.enableJsonResponse ? this.jsonReply(streamId, res) : this.openSse(streamId, res, false);
      for (const message of messages) if (isJSONRPCRequest(message)) this.requestToStream.set(message.id, streamId);
      try {
        for (const message of messages) this.onmessage?.(message, extra);
      } catch (error) {
        // Nothing was sent yet: forget the stream, and the catch below answers 400 as the SDK does.
        stream.forget();
        for (const message of messages) if (isJSONRPCRequest(message)) this.requestToStream.delete(message.id);
        for (const name of Object.keys(SSE_HEADERS)) res.removeHeader(name);
        throw error;
      }
    } catch (error) {
      this.onerror?.(error as Error);
      if (!res.headersSent) this.reply(res, 400, -32700, "Parse error", String(error));
    }
  }

  private handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!req.headers.accept?.includes("text/event-stream")) return this.fail(res, 406, -32000, "Not Acceptable: Client must accept text/event-stream");
    if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) return;
    if (this.streams.has(STANDALONE)) return this.fail(res, 409, -32000, "Conflict: Only one SSE stream is allowed per session");
    this.openSse(STANDALONE, res, true);
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) return;
    try {
      await this.options.onsessionclosed?.(this.sessionId);
    } finally {
      await this.close();
    }
    res.writeHead(200).end();
  }

  /**
   * Registers an SSE stream on `res`. `flush` sends its headers now (a GET stream); a POST's go
   * out with its first event or keep-alive, so a reply ready at once is a single write.
   */
  private openSse(streamId: string, res: ServerResponse, flush: boolean): Stream {
    res.statusCode = 200;
    for (const [name, value] of Object.entries(SSE_HEADERS)) res.setHeader(name, value);
    if (this.sessionId !== undefined) res.setHeader("mcp-session-id", this.sessionId);
    if (flush) res.flushHeaders();
    let timer: NodeJS.Timeout | undefined;
    const stream: Stream = {
      res,
      json: false,
      forget: () => {
        if (timer !== undefined) clearInterval(timer);
        if (this.streams.get(streamId) === stream) this.streams.delete(streamId);
      },
      finish: (last) => {
        stream.forget();
        if (!res.writableEnded) res.end(last);
      },
    };
    this.streams.set(streamId, stream);
    // The client went away (hono cancels the SDK's stream then): forget it.
    res.once("close", stream.forget);
    timer = armSseKeepAlive(this.keepAliveMs, () => {
      if (!res.writableEnded && !res.destroyed) res.write(": keepalive\n\n");
      else clearInterval(timer);
    });
    return stream;
  }

  /** A POST answered with one JSON body once all its responses are ready (enableJsonResponse). */
  private jsonReply(streamId: string, res: ServerResponse): Stream {
    const stream: Stream = {
      res,
      json: true,
      forget: () => {
        if (this.streams.get(streamId) === stream) this.streams.delete(streamId);
      },
      // Only close() finishes a waiting JSON reply: the session is gone.
      finish: () => {
        stream.forget();
        if (!res.headersSent) this.reply(res, 404, -32001, "Session not found");
      },
    };
    this.streams.set(streamId, stream);
    return stream;
  }

  private validSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.options.sessionIdGenerator === undefined) return true;
    if (!this.initialized) return this.fail(res, 400, -32000, "Bad Request: Server not initialized"), false;
    const sessionId = req.headers["mcp-session-id"];
    if (!sessionId) return this.fail(res, 400, -32000, "Bad Request: Mcp-Session-Id header is required"), false;
    if (sessionId !== this.sessionId) return this.fail(res, 404, -32001, "Session not found"), false;
    return true;
  }

  private validProtocolVersion(req: IncomingMessage, res: ServerResponse): boolean {
    const version = req.headers["mcp-protocol-version"];
    if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return true;
    this.fail(res, 400, -32000, `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`);
    return false;
  }

  /** Reports the error to onerror (as the SDK does) and answers it. */
  private fail(res: ServerResponse, status: number, code: number, message: string, report = true): void {
    if (report) this.onerror?.(new Error(message));
    this.reply(res, status, code, message);
  }

  private reply(res: ServerResponse, status: number, code: number, message: string, data?: string, headers: Record<string, string> = {}): void {
    const error = data === undefined ? { code, message } : { code, message, data };
    res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify({ jsonrpc: "2.0", error, id: null }));
  }
}

function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  } catch {
    return new URL(req.url ?? "/", "http://localhost");
  }
}
