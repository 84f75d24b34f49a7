/**
 * `petri-mcp serve --http`: the MCP server over Streamable HTTP, one session per client over one
 * shared store. Refuses a non-loopback address without an explicit PETRI_MCP_TOKEN; otherwise
 * uses PETRI_MCP_TOKEN or the token file next to the database (created on first start).
 */
import type { Config } from "../config.js";
import { createAppContext, SHUTDOWN_GRACE_MS } from "../context.js";
import { startJudgeWork } from "../judge/runner.js";
import { createHttpApp } from "../http/app.js";
import { createServer } from "../server.js";
import { isLoopbackHost } from "../http/guards.js";
import { type ResolvedToken, resolveToken, TokenError, tokenFilePath } from "../http/token.js";
import { log } from "../log.js";
import { createViewer } from "../viewer/server.js";
import type { CommandIO } from "./io.js";

function tokenLine(token: ResolvedToken): string {
  switch (token.source) {
    case "env":
      return "bearer token: the value of PETRI_MCP_TOKEN";
    case "generated":
      return `bearer token (new, saved with mode 0600 to ${token.path}): ${token.token}`;
    case "file":
      // Printed only when generated: logs of later starts must not hold it.
      return `bearer token: in ${token.path} (read it with: cat ${token.path})`;
  }
}

/** A file-system failure at startup (read-only or missing folder, permissions) as one clear line; null for other errors. */
function fileProblem(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code)) return null;
  return `${(error as Error).message.replace(/\s+/g, " ")} (${code})`;
}

export async function runHttpServer(config: Config, io: CommandIO, options: { viewer?: boolean } = {}): Promise<number> {
  const { host, port } = config.http;
  if (!isLoopbackHost(host) && !config.http.token) {
    io.stderr(
      `petri-mcp serve --http: refusing to listen on ${host} without PETRI_MCP_TOKEN. ` +
        "Other machines can reach a non-loopback address, so set an explicit token first (e.g. PETRI_MCP_TOKEN=$(openssl rand -base64 32)), or listen on --host 127.0.0.1.",
    );
    return 2;
  }
  let token: ResolvedToken;
  try {
    token = resolveToken({ envToken: config.http.token, dbPath: config.dbPath, remote: !isLoopbackHost(host) });
  } catch (error) {
    if (error instanceof TokenError) {
      io.stderr(`petri-mcp serve --http: ${error.message}`);
      return 2;
    }
    const problem = fileProblem(error);
    if (problem === null) throw error;
    io.stderr(`petri-mcp serve --http: cannot create the token file ${tokenFilePath(config.dbPath)}: ${problem}. Make its folder writable, choose another --db, or set PETRI_MCP_TOKEN.`);
    return 2;
  }

  const app = await createAppContext(config);
  // --viewer: the web viewer answers every path but /mcp, with the same token (src/viewer/).
  const viewer = options.viewer ? createViewer({ store: app.store, token: token.token, allowedOrigins: config.http.allowedOrigins }) : undefined;
  const http = createHttpApp(app, { token: token.token, otherPaths: viewer?.handler, createServer });
  let url: string;
  let boundPort: number;
  try {
    ({ url, port: boundPort } = await http.listen(port, host));
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EADDRINUSE" ? `port ${port} is already in use (another petri-mcp?); pick another with --port` : error instanceof Error ? error.message : String(error);
    io.stderr(`petri-mcp serve --http: cannot listen on ${host}:${port}: ${why}.`);
    return 1;
  }
  // The store's location has the password of a PostgreSQL URL replaced.
  io.stderr(`petri-mcp: Streamable HTTP on ${url} (db: ${app.store.location})`);
  const stopJudgeWork = startJudgeWork(app.judges, config.work);
  io.stderr(`petri-mcp: ${tokenLine(token)}`);
  io.stderr('petri-mcp: clients send the header "Authorization: Bearer <token>"');
  if (viewer) {
    const { url: viewerUrl, origin } = viewer.bound(host, boundPort);
    io.stderr(`petri-mcp: viewer on ${token.source === "generated" ? viewerUrl : `${origin}/ (open it once as ${origin}/?token=<bearer token>)`}`);
  }
  if (!isLoopbackHost(host)) {
    io.stderr("petri-mcp: warning: this is plain HTTP on a non-loopback address; the token travels unencrypted. Put a TLS proxy in front of it beyond a trusted network.");
  }

  return new Promise<number>((resolve) => {
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      log.info(`shutting down (${signal})`);
      app.activity
        .idle(SHUTDOWN_GRACE_MS)
        .then((idle) => {
          if (!idle) log.warn("running tool calls did not finish; their turns are not stored and their leases will expire");
          return http.close();
        })
        .catch((error: unknown) => log.warn("closing the HTTP server failed", error))
        // Judge runs still under way go back to the queue, for the next process on the store.
        .then(() => stopJudgeWork())
        .catch((error: unknown) => log.warn("could not give back the judge runs under way", error))
        .then(() => app.close())
        .catch((error: unknown) => log.warn("closing the store failed", error))
        .finally(() => resolve(0));
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
}
