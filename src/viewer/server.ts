/**
 * The viewer as its own HTTP server (`petri-mcp view`): one listener, the viewer handler, and the
 * URL to open (with the token once, see auth.ts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isLoopbackHost, loopbackHostHeaders } from "../http/guards.js";
import type { AuditStore } from "../store/audit-store.js";
import { TOKEN_PARAM } from "./auth.js";
import { ViewerData } from "./data.js";
import { createViewerHandler } from "./http.js";

export interface ViewerServerOptions {
  store: AuditStore;
  token: string;
  host: string;
  port: number;
  allowedOrigins?: readonly string[];
  /** node:http limits (ms), as the MCP HTTP server uses them. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface RunningViewerServer {
  /** The address to open in a browser, token included. */
  url: string;
  /** The same address without the token. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

export async function startViewerServer(options: ViewerServerOptions): Promise<RunningViewerServer> {
  let allowedHosts: string[] | null = null;
  const handler = createViewerHandler({
    data: new ViewerData(options.store),
    token: options.token,
    allowedOrigins: options.allowedOrigins ?? [],
    allowedHosts: () => allowedHosts,
  });
  const server = createServer(handler);
  if (options.headersTimeoutMs) server.headersTimeout = options.headersTimeoutMs;
  if (options.requestTimeoutMs) server.requestTimeout = options.requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = isLoopbackHost(options.host) ? loopbackHostHeaders(port) : null;
  const origin = `http://${urlHost(options.host)}:${port}`;
  return {
    url: `${origin}/?${TOKEN_PARAM}=${encodeURIComponent(options.token)}`,
    origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
