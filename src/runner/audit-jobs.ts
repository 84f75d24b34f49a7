/**
 * The audits of a run as durable jobs: `petri-mcp audit --enqueue` stores one queued `audit` job
 * per grid cell (seed × target × epoch), each carrying everything a worker needs to run that cell;
 * `petri-mcp worker --kinds audit` runs them with the built-in auditor loop, then judges and exports
 * each audit as `petri-mcp audit` does.
 *
 * An attempt records the audit it started on its job. A later attempt (the job given back, or
 * taken over after its worker died) looks at that audit first: finished (ended or max_turns) — it
 * is judged and exported if that was not done, and the job is done; still active — its worker is
 * gone mid-conversation, and an audit cannot continue from its stored turns (the auditor loop keeps
 * its conversation in memory; src/runner/resume.ts resumes finished cells only), so it is closed as
 * failed ("interrupted") and a fresh audit of the cell starts. A cell's job is done once, with one
 * finished audit; its failed attempts stay in the store as failed audits, which no aggregate counts.
 * Once the run's budget is spent, a job fails at once (no retry) with a "budget:" error.
 */
import type { AppContext } from "../context.js";
import type { Seed } from "../prompts/seeds.js";
import type { AuditRecord } from "../store/audit-store.js";
import { FinalJobError } from "../jobs/worker.js";
import { budgetSpent } from "../models/budget.js";
import type { JobRecord, JobStore } from "../store/jobs.js";
import { runAudits } from "../store/run-records.js";
import { runSpending } from "../store/run-status.js";
import { auditSeed, finishPrevious } from "./batch.js";
import type { RunnerEvent } from "./events.js";
import { isFinished, type SeedPlan } from "./resume.js";
import type { RunSettings } from "./settings.js";
import { StopController } from "./stop.js";
import { INTERRUPTED } from "./tool-calls.js";

/** What one audit job holds: its cell and the run's settings that shape an audit. */
export interface AuditJobPayload {
  seed: Seed;
  target: string;
  epoch: number;
  auditorModel: string;
  judgeModels: string[];
  minTargetReplies: number;
  maxTurns: number;
  realismFilter: boolean;
  saveDir: string;
  auditorSystemPrompt?: string;
  auditorUserPrompt?: string;
  cwd?: string;
}

export type RunSpec = Omit<AuditJobPayload, "seed" | "target" | "epoch"> & { targets: string[]; epochs: number };

/** One payload per grid cell, in the runner's order (epoch, then seed, then target). */
export function auditJobPayloads(spec: RunSpec, seeds: readonly Seed[]): AuditJobPayload[] {
  const { targets, epochs, ...shared } = spec;
  const payloads: AuditJobPayload[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const seed of seeds) for (const target of targets) payloads.push({ ...shared, seed: { id: seed.id, tags: seed.tags, text: seed.text }, target, epoch });
  }
  return payloads;
}

/** Enqueues the run's audit jobs in one transaction; returns how many. */
export function enqueueAuditJobs(jobs: JobStore, runId: string, payloads: readonly AuditJobPayload[], maxAttempts?: number): number {
  jobs.store.write(() => {
    for (const payload of payloads) jobs.enqueue({ kind: "audit", runId, payload, maxAttempts });
  });
  return payloads.length;
}

/**
 * Active audits of this job's cell that no running job records: an earlier attempt's worker died
 * between starting the audit and recording it on the job. (A seed listed twice in a run has two
 * jobs per cell; the other job's audit, once recorded, is left alone.)
 */
function orphansOfCell(app: AppContext, jobs: JobStore, job: JobRecord, p: AuditJobPayload): AuditRecord[] {
  const held = new Set(jobs.listRun(job.runId!).filter((j) => j.status === "running" && j.id !== job.id).map((j) => j.auditId));
  return runAudits(app.legacyStore, job.runId!).filter(
    (a) => a.status === "active" && !held.has(a.id) && a.seedInstruction === p.seed.text && a.targetModel === p.target && (a.epoch ?? 1) === p.epoch,
  );
}

function storedAudit(app: AppContext, auditId: string | null): AuditRecord | undefined {
  if (auditId === null) return undefined;
  try {
    return app.service.getAudit(auditId);
  } catch {
    return undefined;
  }
}

/**
 * Runs one audit job: resolves when the cell has a finished audit (judged and exported), throws
 * when the attempt failed (the worker queues the job again while it has attempts left). Aborting
 * `signal` stops the audit at once; it is closed as interrupted.
 */
export async function runAuditJob(app: AppContext, jobs: JobStore, owner: string, job: JobRecord, signal: AbortSignal, onEvent?: (event: RunnerEvent) => void): Promise<void> {
  const p = job.payload as AuditJobPayload;
  const stop = new StopController();
  const abort = () => {
    stop.request();
    stop.request();
  };
  if (signal.aborted) abort();
  signal.addEventListener("abort", abort, { once: true });
  try {
    const settings: RunSettings = {
      app,
      runId: job.runId!,
      auditorModel: p.auditorModel,
      targetModels: [p.target],
      judgeModels: p.judgeModels,
      minTargetReplies: p.minTargetReplies,
      maxTurns: p.maxTurns,
      realismFilter: p.realismFilter,
      saveDir: p.saveDir,
      concurrency: 1,
      auditorSystemPrompt: p.auditorSystemPrompt,
      auditorUserPrompt: p.auditorUserPrompt,
      cwd: p.cwd,
      stop,
      onEvent: (event) => {
        if (event.type === "audit_started") jobs.linkAudit(job.id, owner, event.auditId);
        onEvent?.(event);
      },
    };
    const plan: SeedPlan = { seed: p.seed, target: p.target, epoch: p.epoch, previous: null };
    const earlier = storedAudit(app, job.auditId);
    if (earlier && isFinished(earlier)) {
      await finishPrevious(settings, { ...plan, previous: earlier }, earlier);
      return;
    }
    if (earlier?.status === "active") app.service.closeAudit(earlier.id, "failed", INTERRUPTED);
    if (job.attempts > 1) for (const orphan of orphansOfCell(app, jobs, job, p)) app.service.closeAudit(orphan.id, "failed", INTERRUPTED);
    const spending = runSpending(app.legacyStore, settings.runId);
    if (budgetSpent(spending)) throw new FinalJobError(`budget: run ${settings.runId} has spent its budget ($${spending.spentUsd.toFixed(4)} of $${spending.budgetUsd}); this cell is not audited.`);
    const result = await auditSeed(settings, plan);
    if (result.status === "ended" || result.status === "max_turns") return;
    if (signal.aborted) throw new Error(`stopped (${String(signal.reason)})`);
    throw new Error(`audit ${result.auditId ?? "(not started)"} ${result.status}: ${result.reason ?? "no reason given"}`);
  } finally {
    signal.removeEventListener("abort", abort);
  }
}
