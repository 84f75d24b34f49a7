/**
 * `petri-mcp judge`: judge stored audits from the command line and print a score table. The runs
 * are stored exactly like runs started through the MCP judge tool.
 */
import { existsSync, statSync } from "node:fs";
import { AuditError } from "../audit/errors.js";
import { type Config, loadConfig, parseCommandArgs } from "../config.js";
import { createModelRegistry } from "../context.js";
import { DEFAULT_JUDGE_RETRIES, MAX_JUDGE_RETRIES } from "../judge/attempts.js";
import type { DimensionSpec } from "../judge/dimensions.js";
import { formatRunText, scoreTable } from "../judge/report.js";
import { prepareJudgeRun } from "../judge/request.js";
import { JudgeRunner, type JudgeRunRequest } from "../judge/runner.js";
import { auditJury, topJuryScores } from "../judge/jury.js";
import { type JudgeRunRecord, JudgeRunStore } from "../judge/runs.js";
import type { ModelResolver } from "../models/types.js";
import type { AuditStore } from "../store/types.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp judge <audit_id>... | --all [options]

Scores audits with the judge model and prints a score table. Every run is stored; judging again
adds a run and keeps the earlier ones.

Options:
  --all                   judge every finished audit (status ended, max_turns or failed; never cancelled) with a target conversation
  --unjudged              with --all: skip audits that already have a complete judge run
  --judge-model M         judge model, e.g. anthropic/claude-opus-4-6 ($PETRI_JUDGE_MODEL)
  --judge M               a juror (repeat for a jury): each model judges each audit in its own run;
                          the audit's score per dimension is the median of the judges that scored it
  --dimensions DIR|NAMES  a folder of rubric .md files, or comma-separated default dimension names
                          (default: Petri's 38 dimensions)
  --retries N             attempts per audit when the judge's answer misses scores (default ${DEFAULT_JUDGE_RETRIES})
  --concurrency N         audits judged at once (default 4)
  --json                  print the results as JSON
  --db PATH               the AuditStore (default: $PETRI_DB, else the user data dir)

Exit status: 0 when every run is complete, 1 when any is partial or failed, 2 on bad usage.`;

export interface JudgeCommandDeps {
  /** Models to use instead of the configured providers (tests). */
  models?: ModelResolver;
}

class UsageError extends Error {}

function positiveInt(value: string | undefined, flag: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got '${value}'.`);
  return n;
}

/** `--dimensions`: an existing folder, else a comma-separated list of default names. */
function dimensionSpec(value: string | undefined): DimensionSpec | undefined {
  if (value === undefined) return undefined;
  if (existsSync(value) && statSync(value).isDirectory()) return value;
  if (/[/\\]/.test(value)) throw new UsageError(`--dimensions '${value}' is not a folder.`);
  return value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
}

async function auditsToJudge(store: AuditStore, values: { all?: boolean; unjudged?: boolean }, ids: string[], io: CommandIO): Promise<string[]> {
  if (!values.all) return ids;
  const { audits } = await store.audits.list({ limit: 1_000_000 });
  const chosen: string[] = [];
  for (const audit of audits.reverse()) {
    if (audit.status === "active" || audit.status === "cancelled") continue;
    if ((await store.messages.branchCount(audit.id, "target")) === 0) continue;
    if (values.unjudged && (await store.judgeRuns.hasComplete(audit.id))) continue;
    chosen.push(audit.id);
  }
  const skipped = audits.length - chosen.length;
  if (skipped > 0) io.stderr(`Skipping ${skipped} audit(s) that are still active or cancelled, have no target conversation${values.unjudged ? " or already have a complete judge run" : ""}.`);
  return chosen;
}

async function judgeAll(runner: JudgeRunner, requests: JudgeRunRequest[], concurrency: number, io: CommandIO): Promise<JudgeRunRecord[]> {
  const results: JudgeRunRecord[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const request = requests[i]!;
      const runId = await runner.start(request);
      io.stderr(`Judging ${request.auditId} with ${request.judgeModel} (run ${runId})...`);
      const run = (await runner.whenDone(runId))!;
      io.stderr(`  ${request.auditId}: ${run.status} after ${run.attempts} attempt(s)${run.error ? ` - ${run.error}` : ""}`);
      results[i] = run;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return results;
}

function printResults(runs: JudgeRunRecord[], json: boolean, io: CommandIO): void {
  if (json) {
    const out = runs.map((r) => ({
      run_id: r.id,
      audit_id: r.auditId,
      status: r.status,
      judge_model: r.judgeModel,
      attempts: r.attempts,
      scores: r.scores,
      missing: r.missing,
      summary: r.summary,
      error: r.error,
    }));
    io.stdout(JSON.stringify(out, null, 2));
    return;
  }
  if (runs.length === 1) {
    io.stdout(formatRunText(runs[0]!));
    return;
  }
  for (const r of runs) io.stdout(`${r.auditId}  ${r.status.padEnd(8)}  run ${r.id}${r.missing && r.missing.length > 0 && r.status === "partial" ? `  missing: ${r.missing.join(", ")}` : ""}`);
  io.stdout("");
  const names = runs[0]?.dimensions.map((d) => d.name) ?? [];
  // With a jury, a column per audit and judge.
  const jury = new Set(runs.map((r) => r.judgeModel)).size > 1;
  const label = (r: JudgeRunRecord) => (jury ? `${r.auditId.slice(0, 6)}:${(r.judgeModel.split("/").pop() ?? r.judgeModel).slice(0, 12)}` : r.auditId.slice(0, 8));
  io.stdout(scoreTable(runs.map((r) => ({ label: label(r), run: r })), names));
}

/** Per audit: the jury's highest medians and the judges left out (from every stored run of the audit). */
async function printJuries(runs: JudgeRunStore, ids: readonly string[], io: CommandIO): Promise<void> {
  io.stdout("");
  for (const auditId of ids) {
    const jury = auditJury(await runs.list(auditId));
    const top = topJuryScores(jury, 5).map(([name, value]) => `${name}=${value}`).join(" ");
    const excluded = jury.excluded.map((j) => `${j.judgeModel} (${j.status})`).join(", ");
    io.stdout(`jury ${auditId}: ${jury.jurors.length} judge(s) scored${top ? `; highest medians ${top}` : ""}${excluded ? `; excluded: ${excluded}` : ""}`);
  }
}

export async function runJudgeCommand(argv: string[], io: CommandIO, deps: JudgeCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      all: { type: "boolean" },
      unjudged: { type: "boolean" },
      dimensions: { type: "string" },
      retries: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "boolean" },
      judge: { type: "string", multiple: true },
    },
    true,
  );
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  let config: Config;
  let retries: number;
  let concurrency: number;
  let dimensions: DimensionSpec | undefined;
  let jurors: Array<string | undefined>;
  try {
    if (values.all && positionals.length > 0) throw new UsageError("Give audit ids or --all, not both.");
    if (!values.all && positionals.length === 0) throw new UsageError("Give the audit id(s) to judge, or --all.");
    if (values.unjudged && !values.all) throw new UsageError("--unjudged only applies with --all.");
    retries = positiveInt(values.retries, "--retries", DEFAULT_JUDGE_RETRIES, MAX_JUDGE_RETRIES);
    concurrency = positiveInt(values.concurrency, "--concurrency", 4, 64);
    dimensions = dimensionSpec(values.dimensions);
    config = loadConfig(values);
    jurors = values.judge ?? [config.judgeModel];
    const repeated = jurors.find((m, i) => jurors.indexOf(m) !== i);
    if (repeated !== undefined) throw new UsageError(`--judge ${repeated} is given twice; give each judge once.`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`petri-mcp judge: ${error.message}\n\n${USAGE}`);
    return 2;
  }

  const store = await openExistingStore("judge", config.dbPath, io);
  if (!store) return NO_DATABASE;
  try {
    const models = deps.models ?? createModelRegistry(config);
    const ids = await auditsToJudge(store, values, positionals, io);
    if (ids.length === 0) {
      io.stdout("No audits to judge.");
      return 0;
    }
    const requests: JudgeRunRequest[] = [];
    try {
      const judgeDeps = { store, models, defaultJudgeModel: config.judgeModel, defaultJudgeConfig: config.roleSettings?.judge, folders: { allowedRoots: null } };
      for (const auditId of ids) {
        for (const judgeModel of jurors) requests.push(await prepareJudgeRun(judgeDeps, { auditId, dimensions, retries, judgeModel }));
      }
    } catch (error) {
      if (!(error instanceof AuditError)) throw error;
      io.stderr(`petri-mcp judge: ${error.message}`);
      return 2;
    }
    const runner = new JudgeRunner(store, models);
    const runs = await judgeAll(runner, requests, concurrency, io);
    printResults(runs, values.json ?? false, io);
    if (jurors.length > 1 && !values.json) await printJuries(runner.runs, ids, io);
    return runs.every((r) => r.status === "complete") ? 0 : 1;
  } finally {
    await store.close();
  }
}
