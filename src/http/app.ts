/**
 * The Streamable HTTP front of petri-mcp: one McpServer per MCP session over one shared
 * AppContext (store, models, change bus), behind DNS-rebinding checks and a bearer token.
 *
 * Request path: Host check -> Origin check (+ CORS) -> bearer token -> /mcp -> session router.
 * Responses are SSE streams (not JSON mode), so progress and log notifications reach the client.
 * Streamable HTTP itself is src/http/streamable.ts, on node:http directly (no web-stream adapter).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppContext } from "../context.js";
import { log } from "../log.js";
import { GuardedTransport } from "../transport/guard.js";
import { readJsonBody } from "./body.js";
import { bearerToken, isAllowedHostHeader, isAllowedOrigin, isLoopbackHost, loopbackHostHeaders, tokensMatch } from "./guards.js";
import { refuse, RpcCode, sendRpcError } from "./replies.js";
import { type Session, SessionRegistry } from "./sessions.js";
import { NodeStreamableHttpTransport } from "./streamable.js";

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
  /** Largest accepted request body in bytes (default: config.maxMessageBytes). */
  maxBodyBytes?: number;
  /** Most sessions open at once; the next initialize gets 503 (default: config.http.maxSessions). */
  maxSessions?: number;
  /** Most TCP connections at once; more are dropped (default: config.http.maxConnections). */
  maxConnections?: number;
  /** Time a client has to send its request headers, in ms (default: config.http.headersTimeoutMs). */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request, in ms (default: config.http.requestTimeoutMs). */
  requestTimeoutMs?: number;
  /** Builds each session's McpServer (src/server.ts createServer; tests add probe tools). */
  createServer: (app: AppContext) => McpServer;
  /** Answers every path but /mcp, with its own checks (`serve --http --viewer` mounts the viewer). */
  otherPaths?: (req: IncomingMessage, res: ServerResponse) => void;
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
  const maxBodyBytes = options.maxBodyBytes ?? app.config.maxMessageBytes;
  const maxSessions = options.maxSessions ?? app.config.http.maxSessions;
  const headersTimeout = options.headersTimeoutMs ?? app.config.http.headersTimeoutMs;
  const buildServer = options.createServer;
  const sessions = new SessionRegistry();
  /** Host headers accepted; null when bound to a non-loopback address (the token protects it). */
  let allowedHosts: string[] | null = null;
  let sweepTimer: NodeJS.Timeout | undefined;

  const checkRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    const host = header(req, "host");
    if (allowedHosts && !isAllowedHostHeader(host, allowedHosts)) {
      refuse(res, 403, RpcCode.serverError, `Forbidden: Host header '${host ?? ""}' is not one this server answers to (${allowedHosts.join(", ")}). This protects against DNS rebinding; connect to the loopback address the server printed.`);
      return false;
    }
    const origin = header(req, "origin");
    if (!isAllowedOrigin(origin, allowedOrigins)) {
      refuse(res, 403, RpcCode.serverError, `Forbidden: Origin '${origin}' is not allowed. Browser clients must run on a loopback origin or one listed with --allowed-origin (PETRI_ALLOWED_ORIGINS).`);
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
      refuse(
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

  /** Sessions being opened (their initialize is running): they count toward maxSessions. */
  let opening = 0;
  const openSession = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    if (sessions.size + opening >= maxSessions) {
      log.warn(`refused a new http session: ${maxSessions} are open (--max-sessions)`);
      sendRpcError(res, 503, RpcCode.serverError, `Too many sessions: this server holds at most ${maxSessions} MCP sessions at once (--max-sessions) and all are open. Close unused sessions (DELETE ${MCP_PATH}) or retry later; sessions idle for ${Math.round(idleSessionMs / 1000)} s are closed.`, { "Retry-After": "30" });
      return;
    }
    opening++;
    try {
      await runInitialize(req, res, body);
    } finally {
      opening--;
    }
  };

  const runInitialize = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const server = buildServer(app);
    let opened = false;
    const transport: NodeStreamableHttpTransport = new NodeStreamableHttpTransport({
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
      await server.connect(new GuardedTransport(transport));
      await transport.handleRequest(req, res, body);
    } finally {
      // The transport refused the initialize (bad headers...): nothing must outlive this request.
      if (!opened) await server.close();
    }
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJsonBody(req, maxBodyBytes);
    if (!body.ok) {
      if (body.status === 413) refuse(res, 413, RpcCode.serverError, body.message);
      else sendRpcError(res, body.status, RpcCode.parseError, body.message);
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

  /** `expectContinue`: the client sent `Expect: 100-continue` and sends its body only once told to, i.e. after the checks. */
  const handle = async (req: IncomingMessage, res: ServerResponse, expectContinue = false): Promise<void> => {
    if (options.otherPaths && new URL(req.url ?? "/", "http://localhost").pathname !== MCP_PATH) return options.otherPaths(req, res);
    if (!checkRequest(req, res)) return;
    if (expectContinue) res.writeContinue();
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (pathname !== MCP_PATH) {
      refuse(res, 404, RpcCode.serverError, `Not found: the MCP endpoint is ${MCP_PATH}.`);
      return;
    }
    switch (req.method) {
      case "POST":
        return handlePost(req, res);
      case "GET":
      case "DELETE":
        return handleSessionRequest(req, res);
      default:
        refuse(res, 405, RpcCode.serverError, `Method ${req.method} not allowed on ${MCP_PATH}; use POST, GET or DELETE.`, { Allow: "GET, POST, DELETE, OPTIONS" });
    }
  };

  const serve = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
    handle(req, res, expectContinue).catch((error: unknown) => {
      log.error(`http ${req.method} ${req.url} failed`, error);
      sendRpcError(res, 500, RpcCode.serverError, "Internal server error; see the server log.");
    });
  };
  const httpServer = createHttpServer(
    {
      // Slow or silent clients (slowloris) lose their connection: headers within headersTimeout,
      // the whole request within requestTimeout, checked every second (Node's default is 30 s).
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? app.config.http.requestTimeoutMs),
      connectionsCheckingInterval: 1000,
    },
    (req, res) => serve(req, res, false),
  );
  httpServer.on("checkContinue", (req, res) => serve(req, res, true));
  limitConnections(httpServer, options.maxConnections ?? app.config.http.maxConnections);

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

/** Caps concurrent TCP connections; node:http drops the ones over the cap at once. Logged at most once a minute. */
function limitConnections(server: Server, max: number): void {
  server.maxConnections = max;
  let lastWarning = 0;
  server.on("drop", () => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    log.warn(`dropping new connections: ${max} are open (--max-connections)`);
  });
}

function sessionNotFound(res: ServerResponse): void {
  sendRpcError(res, 404, RpcCode.sessionNotFound, "Session not found: it was closed (DELETE, idle timeout or server restart). Start a new session with an initialize request.");
}
