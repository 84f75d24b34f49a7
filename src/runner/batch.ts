/**
 * One cell of a run's grid (seed × target × epoch), as `petri-mcp audit` and its audit jobs do it:
 * a new audit (its own MCP session, id and lease, so audits never interleave), or an earlier
 * invocation's finished audit; then each juror judges it, it is exported, and an audit whose target
 * barely replied is flagged inconclusive. The run itself is scheduled by src/runner/run-jobs.ts.
 */
import { join } from "node:path";
import { auditJury, topJuryScores } from "../judge/jury.js";
import type { Seed } from "../prompts/seeds.js";
import type { AuditRecord, AuditStatus, AuditStore } from "../store/types.js";
import { DEFAULT_MIN_TARGET_REPLIES, targetReplies } from "../store/run-records.js";
import { budgetSpent } from "../models/budget.js";
import { auditorTurns, existingExport, exportTranscript, judgeAudit, judgeDone } from "./finish.js";
import type { UsageTotals } from "./progress.js";
import type { SeedPlan } from "./resume.js";
import { runSeedAudit } from "./seed-audit.js";
import type { RunSettings } from "./settings.js";
import type { StopLevel } from "./stop.js";

export interface JudgeOutcome {
  judgeModel: string;
  /** The run's status, "interrupted" when the run was stopped, "skipped" when there was nothing to judge. */
  status: string;
  error: string | null;
}

export interface SeedResult {
  seed: Seed;
  target: string;
  epoch: number;
  auditId: string | null;
  /** The audit's status; "not_started" when the run stopped first, "error" when it could not start. */
  status: Exclude<AuditStatus, "active"> | "not_started" | "error";
  reason: string | null;
  /** Auditor turns used. */
  turns: number;
  /** Why a finished audit is inconclusive (the target replied fewer than --min-target-replies times), or null. It is still judged; the report leaves it out. */
  inconclusive: string | null;
  /** Each juror's step in this invocation (or the stored state, for a resumed audit). */
  judges: JudgeOutcome[];
  /** Summary of the jurors: the worst status among them (failed, interrupted, partial, complete), "skipped", or null when not judged. */
  judgeStatus: string | null;
  /** The failing jurors and why, or null. */
  judgeError: string | null;
  /** The three highest jury medians of "high is bad" dimensions. */
  topScores: Array<[string, number]>;
  exportPath: string | null;
  /** Finished by an earlier invocation of this run. */
  resumed: boolean;
}

export interface RunReport {
  runId: string;
  saveDir: string;
  results: SeedResult[];
  /** How far a stop went: "running" when the run was not stopped. */
  stopLevel: StopLevel;
  /** Audits a crashed invocation left active, now closed as failed ("interrupted"). */
  recovered: string[];
}

/** The cell's result before anything was done for it. */
export function notStarted(plan: SeedPlan): SeedResult {
  return {
    seed: plan.seed,
    target: plan.target,
    epoch: plan.epoch,
    auditId: null,
    status: "not_started",
    reason: null,
    turns: 0,
    inconclusive: null,
    judges: [],
    judgeStatus: null,
    judgeError: null,
    topScores: [],
    exportPath: null,
    resumed: false,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How a cell is named in progress lines: the seed, then the target and epoch when the grid has several. */
function cellLabel(settings: RunSettings, plan: SeedPlan): string {
  const target = settings.targetModels.length > 1 ? ` → ${plan.target}` : "";
  const epoch = (settings.epochs ?? 1) > 1 ? ` #${plan.epoch}` : "";
  return `${plan.seed.id}${target}${epoch}`;
}

const STATUS_ORDER = ["failed", "interrupted", "running", "partial", "complete", "skipped"];

function judgeSummaryOf(judges: readonly JudgeOutcome[]): Pick<SeedResult, "judgeStatus" | "judgeError"> {
  if (judges.length === 0) return { judgeStatus: null, judgeError: null };
  const worst = [...judges].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status))[0]!;
  const failing = judges.filter((j) => j.error && j.status !== "skipped");
  return { judgeStatus: worst.status, judgeError: failing.length > 0 ? failing.map((j) => `${j.judgeModel}: ${j.error}`).join("; ") : null };
}

/** A new audit of the cell, then its judges and export. Never throws: the other audits go on. */
export async function auditSeed(settings: RunSettings, plan: SeedPlan): Promise<SeedResult> {
  const emit = settings.onEvent ?? (() => undefined);
  const seedId = cellLabel(settings, plan);
  let auditId: string | null = null;
  const spending = await settings.app.store.runs.spending(settings.runId);
  if (budgetSpent(spending)) return { ...notStarted(plan), reason: `budget: the run has spent its budget ($${spending.spentUsd.toFixed(4)} of $${spending.budgetUsd})` };
  try {
    const outcome = await runSeedAudit(settings, plan.seed, {
      target: plan.target,
      epoch: plan.epoch,
      onStarted: async (id) => {
        auditId = id;
        emit({ type: "audit_started", seedId, auditId: id });
        await settings.onAuditStarted?.(id);
      },
      onTurn: (id, turns) => emit({ type: "turn", seedId, auditId: id, turns, maxTurns: settings.maxTurns }),
    });
    emit({ type: "audit_closed", seedId, auditId: outcome.auditId, status: outcome.status, reason: outcome.reason, turns: outcome.turns });
    const result: SeedResult = { ...notStarted(plan), auditId: outcome.auditId, status: outcome.status, reason: outcome.reason, turns: outcome.turns };
    return await finishAudit(settings, plan, result, outcome.status === "ended" || outcome.status === "max_turns" ? settings.judgeModels : []);
  } catch (error) {
    emit({ type: "seed_error", seedId, auditId, error: message(error) });
    return { ...notStarted(plan), auditId, status: "error", reason: message(error) };
  }
}

/** A finished audit of an earlier invocation: judge (by the jurors that have not) and export it if that was not done yet. */
export async function finishPrevious(settings: RunSettings, plan: SeedPlan, audit: AuditRecord): Promise<SeedResult> {
  const store = settings.app.store;
  const result: SeedResult = {
    ...notStarted(plan),
    auditId: audit.id,
    status: audit.status as "ended" | "max_turns",
    reason: audit.statusReason,
    turns: await auditorTurns(store, audit.id),
    resumed: true,
  };
  const missingJudges: string[] = [];
  for (const model of settings.judgeModels) if (!(await judgeDone(store, audit.id, model))) missingJudges.push(model);
  const exported = existingExport(settings.saveDir, audit.id);
  if (missingJudges.length === 0 && exported) {
    settings.onEvent?.({ type: "skipped", seedId: cellLabel(settings, plan), auditId: audit.id });
    return { ...result, ...(await storedJudging(settings, audit.id)), exportPath: join(settings.saveDir, exported) };
  }
  try {
    return await finishAudit(settings, plan, result, missingJudges);
  } catch (error) {
    settings.onEvent?.({ type: "seed_error", seedId: cellLabel(settings, plan), auditId: audit.id, error: message(error) });
    return { ...result, judgeError: message(error) };
  }
}

/** Why the audit is inconclusive (its target replied fewer than the minimum), or null. */
async function inconclusiveReason(settings: RunSettings, auditId: string): Promise<string | null> {
  const min = settings.minTargetReplies ?? DEFAULT_MIN_TARGET_REPLIES;
  const replies = await targetReplies(settings.app.store, auditId);
  return replies < min ? `inconclusive: the target replied ${replies} time(s), fewer than --min-target-replies ${min}; left out of the report's means` : null;
}

/** The inconclusive flag, the jurors' stored state and the jury's top scores of an audit. */
async function storedJudging(settings: RunSettings, auditId: string): Promise<Pick<SeedResult, "inconclusive" | "judges" | "judgeStatus" | "judgeError" | "topScores">> {
  const jury = auditJury(await settings.app.judges.runs.list(auditId));
  // This run's jury only: a judge of another invocation or tool call does not make this run fail.
  const ofRun = (model: string) => settings.judgeModels.includes(model);
  const judges: JudgeOutcome[] = [
    ...jury.jurors.filter((j) => ofRun(j.judgeModel)).map((j) => ({ judgeModel: j.judgeModel, status: "complete", error: null })),
    ...jury.excluded.filter((j) => ofRun(j.judgeModel)).map((j) => ({ judgeModel: j.judgeModel, status: j.status, error: j.error })),
  ];
  return { inconclusive: await inconclusiveReason(settings, auditId), judges, ...judgeSummaryOf(judges), topScores: topJuryScores(jury) };
}

/** Judges (by `judgeModels`) and exports the audit; flags it inconclusive when its target barely replied. */
async function finishAudit(settings: RunSettings, plan: SeedPlan, result: SeedResult, judgeModels: readonly string[]): Promise<SeedResult> {
  const emit = settings.onEvent ?? (() => undefined);
  const { app, stop } = settings;
  const auditId = result.auditId!;
  const seedId = cellLabel(settings, plan);
  const finished = result.status === "ended" || result.status === "max_turns";
  const inconclusive = finished ? await inconclusiveReason(settings, auditId) : null;
  const steps: JudgeOutcome[] = [];
  if (!stop.aborted) {
    // The jurors judge the audit at the same time; each is its own stored run.
    await Promise.all(
      judgeModels.map(async (judgeModel) => {
        emit({ type: "judge_started", seedId, auditId, judgeModel });
        const step = await judgeAudit(app, auditId, judgeModel, stop.signal);
        emit({ type: "judged", seedId, auditId, judgeModel, status: step.status, error: step.error });
        steps.push({ judgeModel, status: step.status, error: step.error });
      }),
    );
  }
  let exportPath: string | null = null;
  try {
    exportPath = await exportTranscript(app.store, auditId, settings.saveDir);
    emit({ type: "exported", seedId, auditId, path: exportPath });
  } catch (error) {
    emit({ type: "export_failed", seedId, auditId, error: message(error) });
  }
  const stored = await storedJudging(settings, auditId);
  // This invocation's steps first (they carry "interrupted" and "skipped"), then jurors judged earlier.
  const judges = [...steps.sort((a, b) => a.judgeModel.localeCompare(b.judgeModel)), ...stored.judges.filter((j) => !steps.some((s) => s.judgeModel === j.judgeModel))];
  return { ...result, inconclusive, judges, ...judgeSummaryOf(judges), topScores: stored.topScores, exportPath };
}

/** Tokens and cost of every model call made for the run's audits (all roles). */
export async function runUsage(store: AuditStore, runId: string): Promise<UsageTotals> {
  const totals: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: null };
  for (const usage of await store.runs.usageByTarget(runId)) {
    totals.inputTokens += usage.inputTokens;
    totals.outputTokens += usage.outputTokens;
    if (usage.costUsd !== null) totals.costUsd = (totals.costUsd ?? 0) + usage.costUsd;
  }
  return totals;
}

/**
 * The run's usage for progress frames, which are drawn synchronously: `current()` answers with
 * the totals last read and starts the next read (one at a time); `refresh()` reads them now.
 */
export class RunUsageReader {
  private last: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: null };
  private reading: Promise<void> | null = null;

  constructor(
    private readonly store: AuditStore,
    private readonly runId: string,
  ) {}

  current(): UsageTotals {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.last;
  }

  /** Reads the totals now (after the read under way, so an older answer cannot replace it). */
  async refresh(): Promise<void> {
    await this.reading;
    await this.read();
  }

  private async read(): Promise<void> {
    if (this.store.closed) return;
    try {
      this.last = await runUsage(this.store, this.runId);
    } catch {
      // A frame shows the totals last read; the run reports store failures itself.
    }
  }
}
