/**
 * `petri-mcp audit`: Petri's audit task. The built-in auditor model runs every seed against the
 * target through our own MCP server, several audits at once; each audit is judged (when a judge
 * model is set) and exported to the save dir. Rerunning with the same --run-id resumes; Ctrl-C
 * stops in two steps.
 */
import { resolve } from "node:path";
import { AuditError } from "../audit/errors.js";
import { type Config, ConfigError, loadConfig, parseCommandArgs } from "../config.js";
import { createAppContext, createModelRegistry } from "../context.js";
import type { ModelRegistry } from "../models/registry.js";
import { missingCredentials } from "../models/credentials.js";
import { checkSettings, type GenerationSettings, SettingsError } from "../models/settings.js";
import { ModelError, type ModelRole } from "../models/types.js";
import { renderAuditorPrompts } from "../prompts/auditor.js";
import { selectSeeds } from "../prompts/seed-select.js";
import type { Seed } from "../prompts/seeds.js";
import { realRoot } from "../resources/roots.js";
import { newAuditId } from "../util/ids.js";
import { DEFAULT_MIN_TARGET_REPLIES } from "../store/run-records.js";
import { auditJobPayloads } from "../runner/audit-jobs.js";
import { runBatch, runSpec, storeRunJobs } from "../runner/run-jobs.js";
import type { RunSettings } from "../runner/settings.js";
import { DEFAULT_MAX_ATTEMPTS, MAX_JOB_ATTEMPTS } from "../store/jobs.js";
import { type RunReport, RunUsageReader } from "../runner/batch.js";
import { type ProgressSink, RunProgress } from "../runner/progress.js";
import { StopController, stopOnSigint } from "../runner/stop.js";
import { formatSummary } from "../runner/summary.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp audit --auditor M --target M [options]

Runs the built-in auditor model over seed instructions against the target, several audits at
once. Each audit is judged (when a judge model is set) and written to the save dir as a Petri
transcript; a summary table is printed at the end. With no seeds, the whole default library runs.
The run is stored as one audit job per seed x target x epoch, which this process works (as
petri-mcp worker would); with --enqueue it only stores them.

Options:
  --auditor M                   the auditor model, e.g. anthropic/claude-sonnet-4-6 ($PETRI_AUDITOR_MODEL)
  --target M                    the model to audit ($PETRI_TARGET_MODEL); repeat to audit several:
                                every seed runs against each target
  --epochs N                    audits of each seed x target (1)
  --judge M                     judge each finished audit with this model ($PETRI_JUDGE_MODEL);
                                repeat for a jury (each judge its own run; scores are their median)
  --min-target-replies N        an audit whose target replied fewer times is inconclusive:
                                shown, counted apart, left out of the report's means (2)
  --realism M                   the realism filter's model ($PETRI_REALISM_MODEL)
  --seed-instructions S         id:a,b | tags:x,y | a seed file or folder | a JSON list | literal text
                                (default: the whole library; petri-mcp seeds lists it)
  --max-turns N                 auditor turns per audit (30)
  --max-target-failures N       target errors in a row (each shown to the auditor, which may retry)
                                that fail an audit (3)
  --target-display-name NAME    how the auditor's prompt names the target, instead of its model id
  --target-config JSON          generation settings, JSON or @file.json (also --auditor-config,
                                --judge-config, --realism-config; docs/models.md)
  --transcript-save-dir DIR     where transcripts are written (./outputs)
  --realism-filter              score each auditor action for realism before it reaches the target
  --realism-threshold X         the filter's threshold, 0 to 1 (0.6)
  --resources-dir DIR           a resources folder for the resource tools (repeatable)
  --auditor-system-message T    a custom auditor system prompt: the text, or a path to a .md/.txt file
  --auditor-user-message T      a custom first user message: the text, or a path to a file
  --no-prefill                  do not offer the auditor prefill (Petri's prefill=False)
  --max-tool-output BYTES       cap of each tool result the auditor reads (131072)
  --concurrency N               audits run at once (4)
  --run-id ID                   name the run; rerunning with the same id resumes it: finished audits
                                are skipped, its queued jobs run, failed ones are queued again
  --budget-usd X                stop spending at X dollars for the whole run: checked before every
                                model call (a warning at 80%); at X no call starts and the audits
                                end as failed with a "budget:" reason (calls without a known price
                                are not counted; petri-mcp runs RUN_ID shows them)
  --enqueue                     check everything, store the run and one queued audit job per
                                seed x target x epoch, print the run id and exit: petri-mcp worker
                                processes (any number, any machine on the store) run them
  --max-attempts N              with --enqueue: attempts each audit job gets before it ends as
                                failed with its last error (3; 1 = no retry; at most 20). Without
                                --enqueue a failed audit is reported, not retried (a rerun with
                                --run-id queues it again)
  --db PATH                     the AuditStore (default: $PETRI_DB, else the user data dir)

Ctrl-C once: no new audits or turns start, running turns finish. Twice: abort the model calls
in flight. Either way the audits are recorded as interrupted and the exit status is 130; the
unfinished cells stay queued jobs: rerun with --run-id, or run petri-mcp worker --run-id ID.
Exit status: 0 when every audit finished (and was judged, with --judge), 1 when an audit or a
judge run failed, 2 on bad usage.`;

export interface AuditCommandDeps {
  /** Models to use instead of the configured providers (tests). */
  models?: ModelRegistry;
  /** A stop controller driven by the caller; without one, SIGINT drives it. */
  stop?: StopController;
  /** Where progress goes (default: stderr, live when it is a terminal). */
  progress?: ProgressSink;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

class UsageError extends Error {}

const MAX_CONCURRENCY = 64;
const MAX_TURNS = 1000;
const MAX_EPOCHS = 100;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

const OPTIONS = {
  auditor: { type: "string" },
  target: { type: "string", multiple: true },
  judge: { type: "string", multiple: true },
  epochs: { type: "string" },
  "min-target-replies": { type: "string" },
  realism: { type: "string" },
  "seed-instructions": { type: "string" },
  "transcript-save-dir": { type: "string" },
  "realism-filter": { type: "boolean" },
  "auditor-system-message": { type: "string" },
  "auditor-user-message": { type: "string" },
  concurrency: { type: "string" },
  "run-id": { type: "string" },
  enqueue: { type: "boolean" },
  "budget-usd": { type: "string" },
  "max-attempts": { type: "string" },
} as const;

interface Plan {
  config: Config;
  seeds: Seed[];
  auditorModel: string;
  targetModels: string[];
  judgeModels: string[];
  epochs: number;
  minTargetReplies: number;
  concurrency: number;
  runId: string | undefined;
  realismFilter: boolean;
  systemPrompt: string | undefined;
  userPrompt: string | undefined;
  enqueue: boolean;
  budgetUsd: number | undefined;
  /** Attempts of each audit job (--max-attempts, with --enqueue). */
  maxAttempts: number;
}

function wholeNumber(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got '${value}'.`);
  return n;
}

/** The values of a repeatable flag, each once (a model listed twice would be audited or judged twice as one). */
function distinct(values: readonly string[], flag: string): string[] {
  const trimmed = values.map((v) => v.trim());
  const repeated = trimmed.find((v, i) => trimmed.indexOf(v) !== i);
  if (repeated !== undefined) throw new UsageError(`${flag} ${repeated} is given twice; give each model once.`);
  if (trimmed.some((v) => v === "")) throw new UsageError(`${flag} needs a model name.`);
  return trimmed;
}

/** The model must resolve and, unless the caller supplied its own models (tests), have its key set: checked for every role before any audit exists. */
function requireModel(models: ModelRegistry, name: string, role: ModelRole, env: NodeJS.ProcessEnv | null, settings?: GenerationSettings): void {
  try {
    checkSettings(name, models.capabilities(name), settings ?? {}, `--${role}-config`);
  } catch (error) {
    if (error instanceof ModelError) throw new UsageError(`Cannot use ${role} model '${name}': ${error.message}`);
    if (error instanceof SettingsError) throw new UsageError(error.message);
    throw error;
  }
  const missing = env ? missingCredentials(name, env) : null;
  if (missing) throw new UsageError(`Cannot use ${role} model '${name}': ${missing} in the environment. (petri-mcp demo shows a complete audit with no key.)`);
}

/** Everything checked before any model is called: flags, models, seeds, prompts, resources folders. */
function planRun(argv: string[], deps: AuditCommandDeps, models: (config: Config) => ModelRegistry): Plan | "help" {
  const { values } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return "help";
  const config = loadConfig(
    {
      ...values,
      "auditor-model": values.auditor ?? values["auditor-model"],
      "target-model": values.target?.[0] ?? values["target-model"],
      "judge-model": values.judge?.[0] ?? values["judge-model"],
      "realism-model": values.realism ?? values["realism-model"],
      "transcripts-dir": values["transcript-save-dir"] ?? values["transcripts-dir"],
    },
    deps.env ?? process.env,
    deps.cwd ?? process.cwd(),
  );
  const auditorModel = config.auditorModel;
  const targetModel = config.targetModel;
  if (!auditorModel) throw new UsageError("No auditor model: pass --auditor (e.g. anthropic/claude-sonnet-4-6) or set PETRI_AUDITOR_MODEL.");
  if (!targetModel) throw new UsageError("No target model: pass --target (e.g. anthropic/claude-sonnet-4-6) or set PETRI_TARGET_MODEL.");
  if (config.maxTurns > MAX_TURNS) throw new UsageError(`--max-turns must be at most ${MAX_TURNS}, got ${config.maxTurns}.`);
  const concurrency = wholeNumber(values.concurrency, "--concurrency", 4, MAX_CONCURRENCY);
  const epochs = wholeNumber(values.epochs, "--epochs", 1, MAX_EPOCHS);
  const minTargetReplies = values["min-target-replies"] === "0" ? 0 : wholeNumber(values["min-target-replies"], "--min-target-replies", DEFAULT_MIN_TARGET_REPLIES, MAX_TURNS);
  const targetModels = distinct(values.target ?? [targetModel], "--target");
  const judgeModels = distinct(values.judge ?? (config.judgeModel ? [config.judgeModel] : []), "--judge");
  const runId = values["run-id"];
  if (runId !== undefined && !RUN_ID.test(runId)) {
    throw new UsageError(`--run-id '${runId}' is not a valid id: use 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit.`);
  }
  const realismFilter = values["realism-filter"] ?? false;
  if (realismFilter && !config.realismModel) throw new UsageError("--realism-filter needs a realism model: pass --realism M or set PETRI_REALISM_MODEL.");

  const registry = models(config);
  // Injected models (tests) carry their own configuration; the configured providers read these variables.
  const keys = deps.models ? null : (deps.env ?? process.env);
  const roleSettings = config.roleSettings ?? {};
  requireModel(registry, auditorModel, "auditor", keys, roleSettings.auditor);
  for (const target of targetModels) requireModel(registry, target, "target", keys, roleSettings.target);
  for (const judge of judgeModels) requireModel(registry, judge, "judge", keys, roleSettings.judge);
  if (realismFilter) requireModel(registry, config.realismModel!, "realism", keys, roleSettings.realism);

  let seeds: Seed[];
  try {
    seeds = selectSeeds(values["seed-instructions"], { cwd: deps.cwd });
  } catch (error) {
    throw new UsageError(`--seed-instructions: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (seeds.length === 0) throw new UsageError("--seed-instructions selected no seeds.");

  const systemPrompt = values["auditor-system-message"];
  const userPrompt = values["auditor-user-message"];
  try {
    for (const root of config.resourcesDirs) realRoot(root);
    // Renders once so an unreadable custom prompt fails now rather than in every audit.
    renderAuditorPrompts({ targetModel, seedInstructions: seeds[0]!.text, maxTurns: config.maxTurns, systemPrompt, userPrompt, cwd: deps.cwd });
  } catch (error) {
    if (error instanceof AuditError) throw new UsageError(error.message);
    throw error;
  }
  const enqueue = values.enqueue ?? false;
  const budgetUsd = values["budget-usd"] === undefined ? undefined : Number(values["budget-usd"]);
  if (budgetUsd !== undefined && !(Number.isFinite(budgetUsd) && budgetUsd > 0)) throw new UsageError(`--budget-usd must be a positive number of dollars, got '${values["budget-usd"]}'.`);
  if (values["max-attempts"] !== undefined && !enqueue) throw new UsageError("--max-attempts applies to the jobs of --enqueue; add --enqueue, or leave it out.");
  const maxAttempts = wholeNumber(values["max-attempts"], "--max-attempts", DEFAULT_MAX_ATTEMPTS, MAX_JOB_ATTEMPTS);
  return { config, seeds, auditorModel, targetModels, judgeModels, epochs, minTargetReplies, concurrency, runId, realismFilter, systemPrompt, userPrompt, enqueue, budgetUsd, maxAttempts };
}

/** `run-20260122-100405-k7m2`: sortable, readable, unique enough to name a run. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `run-${stamp}-${newAuditId().slice(0, 4)}`;
}

function exitCode(report: RunReport): number {
  if (report.stopLevel !== "running") return 130;
  // A cell not started by a run that was not stopped: its budget was spent.
  const problem = (r: RunReport["results"][number]) => r.status === "not_started" || r.status === "failed" || r.status === "error" || r.judgeStatus === "failed" || r.judgeStatus === "interrupted";
  return report.results.some(problem) ? 1 : 0;
}

function terminalSink(): ProgressSink {
  // Lines must not wrap, or the redraw loses count; assume 80 columns when the terminal does not say.
  return { write: (text) => process.stderr.write(text), live: true, columns: process.stderr.columns || 80 };
}

export async function runAuditCommand(argv: string[], io: CommandIO, deps: AuditCommandDeps = {}): Promise<number> {
  let registry: ModelRegistry | undefined = deps.models;
  let plan: Plan | "help";
  try {
    plan = planRun(argv, deps, (config) => (registry ??= createModelRegistry(config)));
  } catch (error) {
    const usage = error instanceof UsageError || error instanceof ConfigError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"));
    if (!usage) throw error;
    io.stderr(`petri-mcp audit: ${(error as Error).message}\n\nRun petri-mcp audit --help for the options.`);
    return 2;
  }
  if (plan === "help") {
    io.stdout(USAGE);
    return 0;
  }

  if (plan.enqueue) return await enqueueRun(plan, io, registry, runFields(plan, deps));
  // The runner judges each audit itself (whatever --work / PETRI_WORK say for servers).
  const app = await createAppContext(plan.config, { models: registry, judge: { work: true } });
  const stop = deps.stop ?? new StopController();
  const releaseSigint = deps.stop ? () => undefined : stopOnSigint(stop);
  const runId = plan.runId ?? newRunId();
  if (!plan.runId) io.stderr(`Run id: ${runId} (rerun with --run-id ${runId} to resume this run)`);
  const sink = deps.progress ?? (process.stderr.isTTY ? terminalSink() : { write: (text: string) => io.stderr(text), live: false });
  const usage = new RunUsageReader(app.store, runId);
  const progress = new RunProgress(sink, () => usage.current());
  try {
    const report = await runBatch({ ...runFields(plan, deps), app, runId, stop, onEvent: (event) => progress.handle(event) }, plan.seeds);
    await usage.refresh();
    progress.finish();
    io.stdout(formatSummary(report));
    return exitCode(report);
  } finally {
    progress.finish();
    releaseSigint();
    await app.close();
  }
}

/** The run's settings both ways of running it share (what its audit jobs carry). */
function runFields(plan: Plan, deps: AuditCommandDeps): Omit<RunSettings, "app" | "runId" | "stop" | "onEvent"> {
  return {
    auditorModel: plan.auditorModel,
    targetModels: plan.targetModels,
    judgeModels: plan.judgeModels,
    epochs: plan.epochs,
    minTargetReplies: plan.minTargetReplies,
    maxTurns: plan.config.maxTurns,
    realismFilter: plan.realismFilter,
    // Absolute, so a worker started elsewhere writes where this command would have.
    saveDir: resolve(deps.cwd ?? process.cwd(), plan.config.transcriptsDir),
    concurrency: plan.concurrency,
    budgetUsd: plan.budgetUsd,
    auditorSystemPrompt: plan.systemPrompt,
    auditorUserPrompt: plan.userPrompt,
    cwd: deps.cwd ?? process.cwd(),
  };
}

/** --enqueue: stores the run's design and one queued audit job per grid cell, prints the run id. */
async function enqueueRun(plan: Plan, io: CommandIO, registry: ModelRegistry | undefined, fields: ReturnType<typeof runFields>): Promise<number> {
  const app = await createAppContext(plan.config, { models: registry });
  try {
    const runId = plan.runId ?? newRunId();
    const spec = runSpec(fields);
    const payloads = auditJobPayloads(spec, plan.seeds);
    // The run's design, budget and jobs are stored together, or not at all.
    const ids = await storeRunJobs(app.store, runId, spec, plan.seeds.length, plan.budgetUsd, { payloads, maxAttempts: plan.maxAttempts }, { fresh: true });
    if (ids === null) {
      io.stderr(`petri-mcp audit: run ${runId} already has jobs in the store; petri-mcp runs ${runId} shows them.`);
      return 2;
    }
    io.stderr(`Enqueued ${ids.length} audit job(s) of run ${runId}; petri-mcp worker runs them, petri-mcp runs ${runId} shows where it stands.`);
    io.stdout(runId);
    return 0;
  } finally {
    await app.close();
  }
}
