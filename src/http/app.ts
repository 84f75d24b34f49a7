/**
 * The Streamable HTTP front of petri-mcp: one McpServer per MCP session over one shared
 * AppContext (store, models, change bus), behind DNS-rebinding checks and a bearer token.
 *
 * Request path: Host check -> Origin check (+ CORS) -> bearer token -> /mcp -> session router.
 * Responses are SSE streams (not JSON mode), so progress and log notifications reach the client.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppContext } from "../context.js";
import { log } from "../log.js";
import { createServer } from "../server.js";
import { readJsonBody } from "./body.js";
import { bearerToken, isAllowedHostHeader, isAllowedOrigin, isLoopbackHost, loopbackHostHeaders, tokensMatch } from "./guards.js";
import { RpcCode, sendRpcError } from "./replies.js";
import { type Session, SessionRegistry } from "./sessions.js";

export const MCP_PATH = "/mcp";

export interface HttpAppOptions {
  /** The bearer token every request must carry. */
  token: string;
  /** Browser origins allowed besides loopback ones (default: config.http.allowedOrigins). */
  allowedOrigins?: string[];
  /** Close sessions without an open request for this long (default: config.http.idleSessionMs). */
  idleSessionMs?: number;
  /** How often to look for idle sessions (default: a quarter of idleSessionMs, at most a minute). */
  sweepIntervalMs?: number;
  /** Largest accepted request body in bytes (default: config.http.maxBodyBytes). */
  maxBodyBytes?: number;
  /** Builds each session's McpServer (default: createServer). Tests use it to add probe tools. */
  createServer?: (app: AppContext) => McpServer;
}

export interface HttpAddress {
  host: string;
  port: number;
  /** The MCP endpoint, e.g. http://127.0.0.1:8765/mcp. */
  url: string;
}

export interface HttpApp {
  readonly sessions: SessionRegistry;
  readonly httpServer: Server;
  listen(port: number, host: string): Promise<HttpAddress>;
  /** Closes the sessions idle for idleSessionMs now (the timer does it too); returns how many. */
  sweepIdleSessions(): number;
  /** Closes every session and the listener. The AppContext (and its database) stays open. */
  close(): Promise<void>;
}

const CORS_HEADERS = {
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID",
  "Access-Control-Expose-Headers": "Mcp-Session-Id, WWW-Authenticate",
  "Access-Control-Max-Age": "600",
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

export function createHttpApp(app: AppContext, options: HttpAppOptions): HttpApp {
  const allowedOrigins = options.allowedOrigins ?? app.config.http.allowedOrigins;
  const idleSessionMs = options.idleSessionMs ?? app.config.http.idleSessionMs;
  const maxBodyBytes = options.maxBodyBytes ?? app.config.http.maxBodyBytes;
  const buildServer = options.createServer ?? ((context: AppContext) => createServer(context));
  const sessions = new SessionRegistry();
  /** Host headers accepted; null when bound to a non-loopback address (the token protects it). */
  let allowedHosts: string[] | null = null;
  let sweepTimer: NodeJS.Timeout | undefined;

  const checkRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    const host = header(req, "host");
    if (allowedHosts && !isAllowedHostHeader(host, allowedHosts)) {
      sendRpcError(res, 403, RpcCode.serverError, `Forbidden: Host header '${host ?? ""}' is not one this server answers to (${allowedHosts.join(", ")}). This protects against DNS rebinding; connect to the loopback address the server printed.`);
      return false;
    }
    const origin = header(req, "origin");
    if (!isAllowedOrigin(origin, allowedOrigins)) {
      sendRpcError(res, 403, RpcCode.serverError, `Forbidden: Origin '${origin}' is not allowed. Browser clients must run on a loopback origin or one listed with --allowed-origin (PETRI_ALLOWED_ORIGINS).`);
      return false;
    }
    if (origin !== undefined) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204).end();
      return false;
    }
    const token = bearerToken(header(req, "authorization"));
    if (token === null || !tokensMatch(token, options.token)) {
      sendRpcError(
        res,
        401,
        RpcCode.serverError,
        `Unauthorized: ${token === null ? "no bearer token" : "wrong bearer token"}. Send the header 'Authorization: Bearer <token>' with the token petri-mcp serve --http printed at startup (PETRI_MCP_TOKEN, or the token file next to its database).`,
        { "WWW-Authenticate": `Bearer realm="petri-mcp"${token === null ? "" : ', error="invalid_token"'}` },
      );
      return false;
    }
    return true;
  };

  const forward = async (session: Session, req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> => {
    const done = sessions.track(session, req.method === "GET");
    res.once("close", done);
    await session.transport.handleRequest(req, res, body);
  };

  const openSession = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const server = buildServer(app);
    let opened = false;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        opened = true;
        sessions.add(id, server, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.remove(transport.sessionId);
    };
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      // The transport refused the initialize (bad headers...): nothing must outlive this request.
      if (!opened) await server.close();
    }
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJsonBody(req, maxBodyBytes);
    if (!body.ok) {
      const code = body.status === 413 ? RpcCode.serverError : RpcCode.parseError;
      sendRpcError(res, body.status, code, body.message, body.status === 413 ? { Connection: "close" } : {});
      return;
    }
    const sessionId = header(req, "mcp-session-id");
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return sessionNotFound(res);
      return forward(session, req, res, body.value);
    }
    if (!isInitializeRequest(body.value)) {
      sendRpcError(res, 400, RpcCode.serverError, "Bad Request: no Mcp-Session-Id header. Send an initialize request first; every later request must carry the Mcp-Session-Id header it returned.");
      return;
    }
    await openSession(req, res, body.value);
  };

  const handleSessionRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sessionId = header(req, "mcp-session-id");
    if (sessionId === undefined) {
      sendRpcError(res, 400, RpcCode.serverError, `Bad Request: ${req.method} needs the Mcp-Session-Id header of an open session.`);
      return;
    }
    const session = sessions.get(sessionId);
    if (!session) return sessionNotFound(res);
    await forward(session, req, res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!checkRequest(req, res)) return;
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (pathname !== MCP_PATH) {
      sendRpcError(res, 404, RpcCode.serverError, `Not found: the MCP endpoint is ${MCP_PATH}.`);
      return;
    }
    switch (req.method) {
      case "POST":
        return handlePost(req, res);
      case "GET":
      case "DELETE":
        return handleSessionRequest(req, res);
      default:
        sendRpcError(res, 405, RpcCode.serverError, `Method ${req.method} not allowed on ${MCP_PATH}; use POST, GET or DELETE.`, { Allow: "GET, POST, DELETE, OPTIONS" });
    }
  };

  const httpServer = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error(`http ${req.method} ${req.url} failed`, error);
      sendRpcError(res, 500, RpcCode.serverError, "Internal server error; see the server log.");
    });
  });

  const sweep = (): number => {
    const idle = sessions.idle(idleSessionMs);
    for (const session of idle) {
      log.info(`closing http session ${session.id}: idle for ${idleSessionMs} ms`);
      void sessions.close(session);
    }
    return idle.length;
  };

  return {
    sessions,
    httpServer,
    sweepIdleSessions: sweep,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve();
        });
      });
      const bound = (httpServer.address() as AddressInfo).port;
      allowedHosts = isLoopbackHost(host) ? loopbackHostHeaders(bound) : null;
      sweepTimer = setInterval(sweep, options.sweepIntervalMs ?? Math.min(60_000, Math.max(10, Math.floor(idleSessionMs / 4))));
      sweepTimer.unref();
      return { host, port: bound, url: `http://${urlHost(host)}:${bound}${MCP_PATH}` };
    },
    async close() {
      clearInterval(sweepTimer);
      await sessions.closeAll();
      if (!httpServer.listening) return;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await closed;
    },
  };
}

function sessionNotFound(res: ServerResponse): void {
  sendRpcError(res, 404, RpcCode.sessionNotFound, "Session not found: it was closed (DELETE, idle timeout or server restart). Start a new session with an initialize request.");
}
