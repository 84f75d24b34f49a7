/**
 * `petri-mcp serve` (the default): the MCP server over stdio, or over Streamable HTTP with --http.
 */
import { type Config, loadConfig, parseCommandArgs } from "../config.js";
import { createAppContext, SHUTDOWN_GRACE_MS } from "../context.js";
import { startJudgeWork } from "../judge/runner.js";
import { log } from "../log.js";
import { createServer } from "../server.js";
import { GuardedTransport } from "../transport/guard.js";
import { LineStdioTransport } from "../transport/stdio.js";
import type { CommandIO } from "./io.js";

export const SERVE_USAGE = `Usage: petri-mcp [serve] [options]

Runs the MCP server on stdio (default) or Streamable HTTP (--http).

Options:
  --db PATH|URL             the AuditStore: a SQLite file, or a postgres:// URL shared by a team
                            (default: $PETRI_DB, else a file in the user data dir)
  --db-pool N               PostgreSQL: connections per process ($PETRI_DB_POOL, 10)
  --target-model M          default target, e.g. anthropic/claude-sonnet-4-5 ($PETRI_TARGET_MODEL)
  --judge-model M           judge model ($PETRI_JUDGE_MODEL)
  --realism-model M         realism filter model ($PETRI_REALISM_MODEL)
  --target-config JSON      target generation settings, JSON or @file.json ($PETRI_TARGET_CONFIG;
                            also --auditor-config, --judge-config, --realism-config; docs/models.md)
  --max-turns N             default max_turns of new audits (30)
  --no-prefill              hide the prefill argument (Petri's prefill=False)
  --max-tool-output BYTES   cap of every text returned to the auditor (131072)
  --resources-dir DIR       resources root for the resource tools (repeatable; $PETRI_RESOURCES_DIR)
  --transcripts-dir DIR     where export_transcript writes (./outputs)
  --realism-threshold X     default realism threshold (0.6)
  --realism-fail-closed     refuse actions whose realism check errored
  --lease-ttl-ms MS         how long a crashed client can hold an audit's turn lease (120000)
  --work judge|none         judge: run the judge runs this process starts and take orphaned
                            ones (default); none: leave them to petri-mcp worker ($PETRI_WORK)
  --model-timeout-ms MS     per-attempt timeout of model calls (600000)
  --model-max-retries N     SDK retries of model calls (2)
  --http                    serve Streamable HTTP instead of stdio
  --host H --port P         HTTP address (127.0.0.1:8765)
  --viewer                  with --http: also serve the web viewer on every path but /mcp
  --allowed-origin ORIGIN   browser origin allowed to call the HTTP server (repeatable)
  --max-message-bytes N     largest JSON-RPC message, stdio line or HTTP body (16777216)
  --max-sessions N          HTTP: most MCP sessions open at once; more get 503 (100)
  --max-connections N       HTTP: most TCP connections at once; more are dropped (256)
  --headers-timeout-ms MS   HTTP: time a client has to send its request headers (8000)
  --request-timeout-ms MS   HTTP: time a client has to send its whole request (30000)

Environment: PETRI_MCP_TOKEN (HTTP bearer token; required with a PostgreSQL --db), ANTHROPIC_API_KEY, OPENAI_API_KEY,
ANTHROPIC_BASE_URL, OPENAI_BASE_URL, <NAME>_BASE_URL / <NAME>_API_KEY for openai-api/<name>/...
`;

export async function runServe(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(argv, { viewer: { type: "boolean" } });
  if (values.help) {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const config = loadConfig(values);
  if (values.http) {
    const { runHttpServer } = await import("./serve-http.js");
    return runHttpServer(config, io, { viewer: values.viewer });
  }
  return runStdioServer(config);
}

/** Resolves once stdout has handed every written byte to the pipe (or failed, or `timeoutMs` passed). */
function stdoutFlushed(timeoutMs: number): Promise<void> {
  const out = process.stdout;
  if (out.writableLength === 0 || out.destroyed) return Promise.resolve();
  log.info(`waiting up to ${timeoutMs / 1000}s for the client to read the last ${out.writableLength} bytes of output`);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      out.off("drain", done).off("error", done).off("close", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    out.once("drain", done).once("error", done).once("close", done);
  });
}

export async function runStdioServer(config: Config): Promise<number> {
  // A stray console.log from any dependency would corrupt the protocol stream.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const app = await createAppContext(config);
  const stopJudgeWork = startJudgeWork(app.judges, config.work);
  const server = createServer(app);
  let closing = false;
  const shutdown = async (reason: string, exitCode = 0) => {
    if (closing) return;
    closing = true;
    log.info(`shutting down (${reason})`);
    if (app.activity.busy > 0) {
      log.info(`waiting up to ${SHUTDOWN_GRACE_MS / 1000}s for ${app.activity.busy} running tool call(s) to finish`);
      if (!(await app.activity.idle(SHUTDOWN_GRACE_MS))) log.warn("running tool calls did not finish; their turns are not stored and their leases will expire");
    }
    try {
      await server.close();
    } catch {
      // Already closed.
    }
    // Judge runs still under way go back to the queue, for the next process on the store.
    await stopJudgeWork().catch((error: unknown) => log.warn("could not give back the judge runs under way", error));
    await app.close();
    // process.exit drops what the stdout pipe has not taken yet: a reply larger than the pipe's
    // buffer, to a client that reads slowly after closing stdin, would reach it cut.
    await stdoutFlushed(SHUTDOWN_GRACE_MS);
    process.exit(exitCode);
  };
  const transport = new GuardedTransport(
    new LineStdioTransport({
      maxMessageBytes: config.maxMessageBytes,
      onFatal: (error) => void shutdown(`stdio transport failed: ${error.message}`, 1),
      onOutputClosed: () => void shutdown("stdout closed: the client went away"),
    }),
  );
  process.stdin.on("end", () => void shutdown("stdin closed"));
  process.stdin.on("close", () => void shutdown("stdin closed"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  await server.connect(transport);
  // The store's location has the password of a PostgreSQL URL replaced.
  log.info(`ready on stdio (db: ${app.store.location})`);
  return new Promise<number>(() => undefined);
}
