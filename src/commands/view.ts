/**
 * `petri-mcp view`: the web viewer over a store, read-only. Loopback by default; like
 * `serve --http` it refuses a non-loopback address without an explicit PETRI_MCP_TOKEN, and uses
 * PETRI_MCP_TOKEN or the token file next to the database. Prints one line, `Viewer: <url>`.
 */
import { loadConfig, parseCommandArgs } from "../config.js";
import { isLoopbackHost } from "../http/guards.js";
import { resolveToken, TokenError, tokenFilePath } from "../http/token.js";
import { log } from "../log.js";
import { startViewerServer } from "../viewer/server.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";
import type { CommandIO } from "./io.js";

export const VIEW_PORT = 8766;

const USAGE = `Usage: petri-mcp view [--db PATH|URL] [--host 127.0.0.1] [--port ${VIEW_PORT}] [--allowed-origin URL]

Serves a read-only web viewer of the store: audits, each audit live with every branch, and runs.
Prints "Viewer: <url>"; open it in a browser (the token in it is exchanged for a cookie).`;

export async function runViewCommand(argv: string[], io: CommandIO): Promise<number> {
  const started = await startView(argv, io);
  if (typeof started === "number") return started;
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      log.info(`viewer shutting down (${signal})`);
      void started.close().finally(() => resolve(0));
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
}

/** Starts the viewer and prints its line; returns how to stop it, or the exit status when it did not start. */
export async function startView(argv: string[], io: CommandIO): Promise<number | { close(): Promise<void> }> {
  const { values } = parseCommandArgs(argv, {});
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const config = loadConfig(values);
  const host = config.http.host;
  const port = values.port === undefined ? VIEW_PORT : config.http.port;
  if (!isLoopbackHost(host) && !config.http.token) {
    io.stderr(`petri-mcp view: refusing to listen on ${host} without PETRI_MCP_TOKEN. Other machines can reach a non-loopback address; set an explicit token first, or use --host 127.0.0.1.`);
    return 2;
  }
  // Read-only: the viewer cannot change the store even by mistake (a bad store is refused here,
  // a StoreOpenError: one line, exit 2).
  const store = await openExistingStore("view", config.dbPath, io, { readOnly: true, poolSize: config.dbPool });
  if (!store) return NO_DATABASE;
  let token: string;
  try {
    token = resolveToken({ envToken: config.http.token, dbPath: config.dbPath, remote: !isLoopbackHost(host) }).token;
  } catch (error) {
    await store.close();
    if (error instanceof TokenError) {
      io.stderr(`petri-mcp view: ${error.message}`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== "string") throw error;
    io.stderr(`petri-mcp view: cannot create the token file ${tokenFilePath(config.dbPath)}: ${code}. Make its folder writable, or set PETRI_MCP_TOKEN.`);
    return 2;
  }
  let viewer;
  try {
    viewer = await startViewerServer({
      store,
      token,
      host,
      port,
      allowedOrigins: config.http.allowedOrigins,
      headersTimeoutMs: config.http.headersTimeoutMs,
      requestTimeoutMs: config.http.requestTimeoutMs,
    });
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(`petri-mcp view: cannot listen on ${host}:${port}: ${code === "EADDRINUSE" ? "the port is in use; pick another with --port" : error instanceof Error ? error.message : String(error)}.`);
    return 1;
  }
  io.stdout(`Viewer: ${viewer.url}`);
  if (!isLoopbackHost(host)) io.stderr("petri-mcp view: warning: plain HTTP on a non-loopback address; the token travels unencrypted.");
  return { close: () => viewer.close().then(() => store.close()) };
}
