/**
 * The audits of a run as durable jobs: `petri-mcp audit` stores one queued `audit` job per grid
 * cell (seed × target × epoch), each carrying everything a worker needs to run that cell
 * (src/runner/run-jobs.ts); `petri-mcp worker --kinds audit`, or `petri-mcp audit` itself without
 * --enqueue, runs them with the built-in auditor loop, then judges and exports each audit.
 *
 * An attempt records the audit it started on its job. A later attempt (the job given back, or
 * taken over after its worker died) looks at that audit first: finished (ended or max_turns) — it
 * is judged and exported if that was not done, and the job is done; still active — its worker is
 * gone mid-conversation, and the audit continues from its last stored turn (src/runner/continue.ts:
 * the same audit id, its turns counted on), then is judged and exported like a fresh one. Only an
 * active audit with nothing stored to continue from (no auditor system prompt yet) is closed as
 * failed ("interrupted") and a fresh audit of the cell starts. A worker that loses its job's lease
 * writes nothing more to the audit (it is the new owner's). A cell's job is done once, with one
 * finished audit; its failed attempts stay in the store as failed audits, which no aggregate counts.
 * Once the run's budget is spent, a job fails at once (no retry) with a "budget:" error.
 */
import type { AppContext } from "../context.js";
import type { Seed } from "../prompts/seeds.js";
import { FinalJobError } from "../jobs/worker.js";
import { runAudits } from "../store/run-records.js";
import type { AuditRecord, JobRecord, JobRepo } from "../store/types.js";
import { auditSeed, finishPrevious, type SeedResult } from "./batch.js";
import { canContinue } from "./continue.js";
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

/** Enqueues the run's audit jobs (pass `tx.jobs` to write them in the caller's transaction); returns their ids. */
export async function enqueueAuditJobs(jobs: JobRepo, runId: string, payloads: readonly AuditJobPayload[], maxAttempts?: number): Promise<string[]> {
  const ids: string[] = [];
  for (const payload of payloads) ids.push(await jobs.enqueue({ kind: "audit", runId, payload, maxAttempts }));
  return ids;
}

/**
 * Active audits of this job's cell that no running job records: an earlier attempt's worker died
 * between starting the audit and recording it on the job. Such an audit has no turn (the job records
 * its audit before the first one), so closing it loses nothing; it is never continued. (A seed
 * listed twice in a run has two jobs per cell; the other job's audit, once recorded, is left alone.)
 */
async function orphansOfCell(app: AppContext, jobs: JobRepo, job: JobRecord, p: AuditJobPayload): Promise<AuditRecord[]> {
  const held = new Set((await jobs.listRun(job.runId!)).filter((j) => j.status === "running" && j.id !== job.id).map((j) => j.auditId));
  return (await runAudits(app.store, job.runId!)).filter(
    (a) => a.status === "active" && !held.has(a.id) && a.id !== job.auditId && a.seedInstruction === p.seed.text && a.targetModel === p.target && (a.epoch ?? 1) === p.epoch,
  );
}

async function storedAudit(app: AppContext, auditId: string | null): Promise<AuditRecord | undefined> {
  if (auditId === null) return undefined;
  try {
    return await app.service.getAudit(auditId);
  } catch {
    return undefined;
  }
}

export interface AuditJobOptions {
  onEvent?: (event: RunnerEvent) => void;
  /** The stop of the process working the job (Ctrl-C on `petri-mcp audit`): the audit takes its steps too. */
  stop?: StopController;
  /** The whole run's targets and epochs, so progress names cells as the run does. */
  grid?: { targets: string[]; epochs: number };
  /** Given the cell's result (for the run's report) before the job resolves or throws, when an audit was started or finished. */
  onResult?: (result: SeedResult) => void;
}

/**
 * Runs one audit job: resolves when the cell has a finished audit (judged and exported), throws
 * when the attempt failed (the worker queues the job again while it has attempts left). Aborting
 * `signal` stops the audit at once; it is closed as interrupted, unless the job was lost (taken
 * over or cancelled): then it is left as it is to its new owner.
 */
export async function runAuditJob(app: AppContext, jobs: JobRepo, owner: string, job: JobRecord, signal: AbortSignal, options: AuditJobOptions = {}): Promise<void> {
  const p = job.payload as AuditJobPayload;
  const stop = new StopController();
  const abort = () => {
    // Lost: the job was taken over (or cancelled), its audit is another process's now: write nothing more to it.
    if (signal.reason === "lost") stop.abandon();
    else {
      stop.request();
      stop.request();
    }
  };
  if (signal.aborted) abort();
  signal.addEventListener("abort", abort, { once: true });
  const unfollow = options.stop ? stop.follow(options.stop) : () => undefined;
  try {
    const settings: RunSettings = {
      app,
      runId: job.runId!,
      auditorModel: p.auditorModel,
      targetModels: options.grid?.targets ?? [p.target],
      epochs: options.grid?.epochs,
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
      onEvent: options.onEvent,
      // Recorded before the audit's first turn (a takeover then knows the audit).
      onAuditStarted: async (auditId) => {
        await jobs.linkAudit(job.id, owner, auditId);
      },
    };
    const plan: SeedPlan = { seed: p.seed, target: p.target, epoch: p.epoch, previous: null };
    const earlier = await storedAudit(app, job.auditId);
    if (earlier && isFinished(earlier)) {
      options.onResult?.(await finishPrevious(settings, { ...plan, previous: earlier }, earlier));
      return;
    }
    if (earlier?.status === "active") {
      // Its worker stopped mid-conversation: the audit goes on from its stored turns (src/runner/continue.ts).
      if (await canContinue(app.store, earlier)) settings.continueAudit = earlier;
      else await app.service.closeAudit(earlier.id, "failed", INTERRUPTED);
    }
    if (job.attempts > 1) for (const orphan of await orphansOfCell(app, jobs, job, p)) await app.service.closeAudit(orphan.id, "failed", INTERRUPTED);
    const result = await auditSeed(settings, plan);
    options.onResult?.(result);
    if (result.status === "ended" || result.status === "max_turns") return;
    // auditSeed starts nothing once the run's budget is spent: no other attempt can do better.
    if (result.status === "not_started" && result.reason?.startsWith("budget:")) throw new FinalJobError(`${result.reason}; this cell is not audited.`);
    if (signal.aborted) throw new Error(`stopped (${String(signal.reason)})`);
    throw new Error(`audit ${result.auditId ?? "(not started)"} ${result.status}: ${result.reason ?? "no reason given"}`);
  } finally {
    unfollow();
    signal.removeEventListener("abort", abort);
  }
}
