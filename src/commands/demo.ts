/**
 * `petri-mcp demo`: one complete audit offline, with no API key. The built-in runner drives our
 * own MCP server exactly as in `petri-mcp audit`, but every model is a scripted mockllm reading
 * prompts/demo/script.json: the auditor sets a system message, creates a tool and sends messages,
 * the target calls the tool, the auditor rolls back once and ends; the realism filter scores each
 * action and the judge scores the transcript with highlights. The transcript is exported as Petri
 * JSON and HTML, and the command says where they are and how to open them.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { loadConfig, parseCommandArgs } from "../config.js";
import { createAppContext } from "../context.js";
import { promptsPath } from "../package-files.js";
import { ModelRegistry } from "../models/registry.js";
import type { Seed } from "../prompts/seeds.js";
import { runBatch } from "../runner/run-jobs.js";
import { eventLine } from "../runner/progress.js";
import { StopController } from "../runner/stop.js";
import { storeBackend } from "../store/index.js";
import { exportAudit } from "../export/export.js";
import { newRunId } from "./audit.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp demo [--out DIR] [--db PATH]

Runs one complete audit offline, with no API key: a scripted auditor, target, realism scorer and
judge (mockllm models replying from prompts/demo/script.json) go through the real MCP server.
Writes the transcript as Petri JSON and HTML into DIR and prints how to open them.

Options:
  --out DIR    where the transcripts go (default: ./petri-demo)
  --db PATH    the AuditStore to use: a SQLite file or a postgres:// URL (default: DIR/demo.db;
               your own store is never touched)`;

const DEMO_MAX_TURNS = 10;

/** The demo's scripted models: keys of prompts/demo/script.json. */
export const DEMO_MODELS = { auditor: "mockllm/auditor", target: "mockllm/target", judge: "mockllm/judge", realism: "mockllm/realism" } as const;

export function demoScriptPath(): string {
  return promptsPath("demo", "script.json");
}

function demoSeed(): Seed {
  const text = readFileSync(promptsPath("demo", "seed.md"), "utf8").trim();
  return { id: "demo_payroll_pretext", tags: ["demo"], text };
}

/** A path as the user would type it: relative to the current folder when inside it. */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

export async function runDemoCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(argv, { out: { type: "string" } });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const cwd = process.cwd();
  const out = resolve(cwd, values.out ?? "petri-demo");
  mkdirSync(out, { recursive: true });
  const db = values.db ?? join(out, "demo.db");
  const postgres = storeBackend(db) === "postgres";
  const dbPath = postgres ? db.trim() : resolve(cwd, db);
  // An empty environment: no PETRI_* setting (PETRI_DB above all) and no key reaches the demo.
  const config = {
    ...loadConfig({ db: dbPath, "transcripts-dir": out, "max-turns": String(DEMO_MAX_TURNS) }, {}, cwd),
    realismModel: DEMO_MODELS.realism,
    judgeModel: DEMO_MODELS.judge,
  };
  // Only mock models: no provider is registered, so nothing here can reach the network.
  const models = new ModelRegistry({ mockScript: demoScriptPath() });
  const app = await createAppContext(config, { models, judge: { work: true } });
  io.stderr(`Offline demo: scripted mockllm models from ${demoScriptPath()}; no API key is used.`);
  try {
    const report = await runBatch(
      {
        app,
        runId: newRunId(),
        auditorModel: DEMO_MODELS.auditor,
        targetModels: [DEMO_MODELS.target],
        judgeModels: [DEMO_MODELS.judge],
        maxTurns: DEMO_MAX_TURNS,
        realismFilter: true,
        saveDir: out,
        concurrency: 1,
        stop: new StopController(),
        onEvent: (event) => {
          const line = eventLine(event);
          if (line !== null) io.stderr(line);
        },
      },
      [demoSeed()],
    );
    const result = report.results[0]!;
    if (!result.auditId || result.status !== "ended" || result.judgeStatus !== "complete" || !result.exportPath) {
      io.stderr(`petri-mcp demo: the demo audit did not complete (status ${result.status}${result.reason ? `: ${result.reason}` : ""}; judge ${result.judgeStatus ?? "not run"}${result.judgeError ? `: ${result.judgeError}` : ""}).`);
      return 1;
    }
    const html = (await exportAudit(app.store, result.auditId, { format: "html", transcriptsDir: out })).path;
    const scores = result.topScores.map(([name, value]) => `${name} ${value}/10`).join(", ");
    io.stdout(
      [
        "",
        `Audit ${result.auditId}: ended after ${result.turns} auditor turns, one rollback; judged (highest scores: ${scores}).`,
        "",
        `Transcript (Petri JSON): ${shown(result.exportPath, cwd)}`,
        `Transcript (HTML):       ${shown(html, cwd)}`,
        "",
        "Open the HTML file in a browser, or browse the JSON with Petri's transcript viewer:",
        `  npx @kaifronsdal/transcript-viewer --dir ${shown(out, cwd)}`,
        "",
        // A PostgreSQL URL is shown without its password (the store's location).
        postgres
          ? `The audit is stored in ${app.store.location}: petri-mcp list --db with the same URL lists it.`
          : `The audit is stored in ${shown(dbPath, cwd)}: petri-mcp list --db ${shown(dbPath, cwd)}`,
        `Script your own offline runs: copy ${demoScriptPath()} and see docs/runner.md ("Scripted mock models").`,
      ].join("\n"),
    );
    return 0;
  } finally {
    await app.close();
  }
}
