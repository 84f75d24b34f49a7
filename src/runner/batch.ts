/**
 * The scheduler behind `petri-mcp audit`: runs the seeds' audits `concurrency` at a time on one
 * store (each audit has its own MCP session, id and lease, so none interleave), judges and exports
 * each as it finishes, resumes a run id's earlier invocation, and stops in two steps.
 */
import { join } from "node:path";
import type { Seed } from "../prompts/seeds.js";
import type { AuditRecord, AuditStatus, AuditStore } from "../store/audit-store.js";
import {
  auditorTurns,
  existingExport,
  exportTranscript,
  judgeAudit,
  judgeDone,
  type JudgeStep,
  scoredJudgeRun,
  topScores,
} from "./finish.js";
import type { UsageTotals } from "./progress.js";
import { abandonedAudits, planSeeds, type SeedPlan } from "./resume.js";
import { runSeedAudit } from "./seed-audit.js";
import type { RunSettings } from "./settings.js";
import type { StopLevel } from "./stop.js";
import { INTERRUPTED } from "./tool-calls.js";

export interface SeedResult {
  seed: Seed;
  auditId: string | null;
  /** The audit's status; "not_started" when the run stopped first, "error" when it could not start. */
  status: Exclude<AuditStatus, "active"> | "not_started" | "error";
  reason: string | null;
  /** Auditor turns used. */
  turns: number;
  /** The latest judge step's status (or the stored run's, for a resumed audit); null when not judged. */
  judgeStatus: string | null;
  judgeError: string | null;
  /** The three highest scores of "high is bad" dimensions. */
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

const PAGE = 200;

function runAudits(store: AuditStore, runId: string): AuditRecord[] {
  const audits: AuditRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = store.listAudits({ runId, limit: PAGE, offset }).audits;
    audits.push(...page);
    if (page.length < PAGE) return audits;
  }
}

function notStarted(seed: Seed): SeedResult {
  return { seed, auditId: null, status: "not_started", reason: null, turns: 0, judgeStatus: null, judgeError: null, topScores: [], exportPath: null, resumed: false };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runBatch(settings: RunSettings, seeds: readonly Seed[]): Promise<RunReport> {
  const { app, stop } = settings;
  const emit = settings.onEvent ?? (() => undefined);
  const unsubscribe = stop.onChange((level) => emit({ type: "stop_requested", level }));
  try {
    const existing = runAudits(app.store, settings.runId);
    const recovered = abandonedAudits(existing).map((audit) => app.service.closeAudit(audit.id, "failed", INTERRUPTED).id);
    const plans = planSeeds(seeds, existing);
    const resumed = plans.filter((plan) => plan.previous !== null).length;
    emit({ type: "run_started", runId: settings.runId, seeds: seeds.length, toRun: seeds.length - resumed, resumed, recovered: recovered.length });

    const results = plans.map((plan) => notStarted(plan.seed));
    let next = 0;
    const worker = async () => {
      while (!stop.stopping && next < plans.length) {
        const index = next++;
        const plan = plans[index]!;
        results[index] = plan.previous ? await finishPrevious(settings, plan.seed, plan.previous) : await auditSeed(settings, plan);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, plans.length)) }, worker));
    return { runId: settings.runId, saveDir: settings.saveDir, results, stopLevel: stop.level, recovered };
  } finally {
    unsubscribe();
  }
}

/** A new audit of the seed, then its judge and export. Never throws: the other audits go on. */
async function auditSeed(settings: RunSettings, plan: SeedPlan): Promise<SeedResult> {
  const emit = settings.onEvent ?? (() => undefined);
  const seedId = plan.seed.id;
  let auditId: string | null = null;
  try {
    const outcome = await runSeedAudit(settings, plan.seed, {
      onStarted: (id) => {
        auditId = id;
        emit({ type: "audit_started", seedId, auditId: id });
      },
      onTurn: (id, turns) => emit({ type: "turn", seedId, auditId: id, turns, maxTurns: settings.maxTurns }),
    });
    emit({ type: "audit_closed", seedId, auditId: outcome.auditId, status: outcome.status, reason: outcome.reason, turns: outcome.turns });
    const result: SeedResult = { ...notStarted(plan.seed), auditId: outcome.auditId, status: outcome.status, reason: outcome.reason, turns: outcome.turns };
    return await finishAudit(settings, result, outcome.status === "ended" || outcome.status === "max_turns");
  } catch (error) {
    emit({ type: "seed_error", seedId, auditId, error: message(error) });
    return { ...notStarted(plan.seed), auditId, status: "error", reason: message(error) };
  }
}

/** A finished audit of an earlier invocation: judge and export it if that was not done yet. */
async function finishPrevious(settings: RunSettings, seed: Seed, audit: AuditRecord): Promise<SeedResult> {
  const { store } = settings.app;
  const result: SeedResult = {
    ...notStarted(seed),
    auditId: audit.id,
    status: audit.status as "ended" | "max_turns",
    reason: audit.statusReason,
    turns: auditorTurns(store, audit.id),
    resumed: true,
  };
  const needsJudge = settings.judgeModel !== null && !judgeDone(store, audit.id);
  const exported = existingExport(settings.saveDir, audit.id);
  if (!needsJudge && exported) {
    const run = scoredJudgeRun(store, audit.id);
    settings.onEvent?.({ type: "skipped", seedId: seed.id, auditId: audit.id });
    return { ...result, judgeStatus: run?.status ?? null, topScores: topScores(run), exportPath: join(settings.saveDir, exported) };
  }
  try {
    return await finishAudit(settings, result, needsJudge);
  } catch (error) {
    settings.onEvent?.({ type: "seed_error", seedId: seed.id, auditId: audit.id, error: message(error) });
    return { ...result, judgeError: message(error) };
  }
}

/** Judges (when asked and a judge model is set) and exports the audit. */
async function finishAudit(settings: RunSettings, result: SeedResult, judge: boolean): Promise<SeedResult> {
  const emit = settings.onEvent ?? (() => undefined);
  const { app, stop } = settings;
  const auditId = result.auditId!;
  const seedId = result.seed.id;
  let step: JudgeStep | null = null;
  if (judge && settings.judgeModel && !stop.aborted) {
    emit({ type: "judge_started", seedId, auditId, judgeModel: settings.judgeModel });
    step = await judgeAudit(app, auditId, settings.judgeModel, stop.signal);
    emit({ type: "judged", seedId, auditId, status: step.status, error: step.error });
  }
  const scored = scoredJudgeRun(app.store, auditId);
  let exportPath: string | null = null;
  try {
    exportPath = exportTranscript(app.store, auditId, settings.saveDir);
    emit({ type: "exported", seedId, auditId, path: exportPath });
  } catch (error) {
    emit({ type: "export_failed", seedId, auditId, error: message(error) });
  }
  return {
    ...result,
    judgeStatus: step?.status ?? scored?.status ?? null,
    judgeError: step?.error ?? null,
    topScores: topScores(step?.run ?? scored),
    exportPath,
  };
}

/** Tokens and cost of every model call made for the run's audits (all roles). */
export function runUsage(store: AuditStore, runId: string): UsageTotals {
  const totals: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: null };
  for (const audit of runAudits(store, runId)) {
    for (const usage of store.usageByRole(audit.id)) {
      totals.inputTokens += usage.inputTokens;
      totals.outputTokens += usage.outputTokens;
      if (usage.costUsd !== null) totals.costUsd = (totals.costUsd ?? 0) + usage.costUsd;
    }
  }
  return totals;
}
