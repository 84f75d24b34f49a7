/**
 * The viewer as its own HTTP server (`petri-mcp view`): one listener, the viewer handler, and the
 * URL to open (with the token once, see auth.ts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isLoopbackHost, loopbackHostHeaders } from "../http/guards.js";
import type { AuditStore } from "../store/types.js";
import { TOKEN_PARAM } from "./auth.js";
import { ViewerData } from "./data.js";
import { createViewerHandler, type ViewerHandler } from "./http.js";

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

export interface MountedViewer {
  handler: ViewerHandler;
  /** Call once listening: sets the Host headers answered and returns the URLs to open. */
  bound(host: string, port: number): { url: string; origin: string };
}

/** The viewer handler for a server that listens elsewhere (`serve --http --viewer`, or below). */
export function createViewer(options: Pick<ViewerServerOptions, "store" | "token" | "allowedOrigins">): MountedViewer {
  let allowedHosts: string[] | null = null;
  const handler = createViewerHandler({
    data: new ViewerData(options.store),
    token: options.token,
    allowedOrigins: options.allowedOrigins ?? [],
    allowedHosts: () => allowedHosts,
  });
  return {
    handler,
    bound(host, port) {
      allowedHosts = isLoopbackHost(host) ? loopbackHostHeaders(port) : null;
      const origin = `http://${urlHost(host)}:${port}`;
      return { origin, url: `${origin}/?${TOKEN_PARAM}=${encodeURIComponent(options.token)}` };
    },
  };
}

export async function startViewerServer(options: ViewerServerOptions): Promise<RunningViewerServer> {
  const viewer = createViewer(options);
  const server = createServer(viewer.handler);
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
  const { url, origin } = viewer.bound(options.host, port);
  return {
    url,
    origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
