/**
 * Subcommand dispatch. Each command lives in its own module and is loaded only when used, so the
 * stdio server starts fast.
 */
import { ConfigError } from "../config.js";
import { VERSION } from "../version.js";
import type { CommandIO } from "./io.js";

export const USAGE = `petri-mcp ${VERSION} - alignment-auditing MCP server

Usage: petri-mcp [command] [options]

Commands:
  serve       run the MCP server (default; stdio, or --http)
  view        web viewer of the store: audits live, every branch, runs (read-only)
  audit       run the built-in auditor over seed instructions
  judge       judge stored audits
  worker      work the jobs queued in the store (judge runs, enqueued audits), on any machine that reaches it
  runs        list runs; one run's progress, tokens and cost; cancel a run
  report      a run's means, intervals, target differences and judge agreement
  export      export transcripts (Petri JSON, Markdown, HTML)
  list        list stored audits
  seeds       browse the seed-instruction library
  resources   scaffold a resources folder (resources init DIR)
  demo        run one complete audit offline with scripted models (no API key)
  db          db copy --from FILE --to URL: move a SQLite store into PostgreSQL

Run petri-mcp <command> --help for a command's options.`;

type Runner = (argv: string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Runner>> = {
  serve: async () => (await import("./serve.js")).runServe,
  view: async () => (await import("./view.js")).runViewCommand,
  audit: async () => (await import("./audit.js")).runAuditCommand,
  judge: async () => (await import("./judge.js")).runJudgeCommand,
  worker: async () => (await import("./worker.js")).runWorkerCommand,
  runs: async () => (await import("./runs.js")).runRunsCommand,
  report: async () => (await import("./report.js")).runReportCommand,
  export: async () => (await import("./export.js")).runExportCommand,
  list: async () => (await import("./list.js")).runListCommand,
  seeds: async () => (await import("./seeds.js")).runSeedsCommand,
  resources: async () => (await import("./resources.js")).runResourcesCommand,
  demo: async () => (await import("./demo.js")).runDemoCommand,
  db: async () => (await import("./db.js")).runDbCommand,
};

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    io.stdout(VERSION);
    return 0;
  }
  if (first === "help" || (first === "--help" && argv.length === 1) || first === "-h") {
    io.stdout(USAGE);
    return 0;
  }
  const isCommand = first !== undefined && !first.startsWith("-");
  const name = isCommand ? first : "serve";
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`petri-mcp: unknown command '${name}'.\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(isCommand ? rest : argv, io);
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      io.stderr(`petri-mcp ${name}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
