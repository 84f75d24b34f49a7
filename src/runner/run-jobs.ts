/**
 * A run as jobs in the store, one audit job per cell of its grid (seed × target × epoch), for both
 * ways `petri-mcp audit` runs: with --enqueue the command stores the run (`storeRunJobs`) and exits,
 * and `petri-mcp worker` processes work it; without it, `runBatch` stores it the same way and works
 * the run's jobs itself with a JobWorker limited to the run, `concurrency` at a time, until the run
 * has nothing queued or running (jobs another process holds included).
 *
 * Rerunning a run id resumes it: each cell is paired with the run's finished audits (planGrid) and
 * with one of its jobs (`planRunJobs`). A cell whose job is queued or running keeps it (the job
 * resumes from what is stored); a cell with a finished audit is finished here (judged by the jurors
 * that have not, exported if it was not) and reported as finished earlier; a cell whose job failed
 * or was cancelled has that job queued again, with all its attempts; a cell without a job (a run
 * from before jobs, or a done job whose audit is no longer finished) gets a new one. No cell gets a
 * second job while it has one that can still work it.
 *
 * Stopping (Ctrl-C) in two steps: the first claims no more jobs and lets the turns under way finish;
 * their audits are closed as interrupted and their jobs given back to the queue (the attempt not
 * counted). The second also aborts the model calls in flight. Either way the unfinished jobs stay
 * queued: rerunning with --run-id, or `petri-mcp worker --run-id`, finishes the run.
 */
import { FinalJobError, JobWorker, ReleaseJobError } from "../jobs/worker.js";
import type { Seed } from "../prompts/seeds.js";
import { DEFAULT_MIN_TARGET_REPLIES, runAudits, saveRunDesign } from "../store/run-records.js";
import type { AuditStore, JobRecord } from "../store/types.js";
import { type AuditJobPayload, auditJobPayloads, enqueueAuditJobs, runAuditJob, type RunSpec } from "./audit-jobs.js";
import { finishPrevious, notStarted, type RunReport, type SeedResult } from "./batch.js";
import { abandonedAudits, isFinished, planGrid, type SeedPlan } from "./resume.js";
import type { RunSettings } from "./settings.js";
import type { StopController } from "./stop.js";
import { INTERRUPTED } from "./tool-calls.js";

/** What a run writes besides its design and budget: new jobs, and ended jobs queued again. */
export interface RunJobWrites {
  payloads: readonly AuditJobPayload[];
  requeue?: readonly string[];
  /** Attempts of each new job (the store's default otherwise). */
  maxAttempts?: number;
}

/**
 * Stores the run's design, its budget and its jobs in one transaction (all or nothing); returns the
 * new jobs' ids, in the order of `payloads`. With `fresh`, a run that already has jobs is refused:
 * null, nothing written.
 */
export async function storeRunJobs(
  store: AuditStore,
  runId: string,
  spec: RunSpec,
  seeds: number,
  budgetUsd: number | undefined,
  writes: RunJobWrites,
  options: { fresh?: boolean } = {},
): Promise<string[] | null> {
  return store.transaction(async (tx) => {
    if (options.fresh && (await tx.jobs.countsByRun(runId)).total > 0) return null;
    const design = { targets: spec.targets, epochs: spec.epochs, judges: spec.judgeModels, minTargetReplies: spec.minTargetReplies, auditor: spec.auditorModel, seeds };
    await saveRunDesign(tx, runId, design);
    await tx.runs.setBudget(runId, budgetUsd ?? null);
    for (const id of writes.requeue ?? []) await tx.jobs.requeue(id);
    return enqueueAuditJobs(tx.jobs, runId, writes.payloads, writes.maxAttempts);
  });
}

/** The settings of the run's audit jobs. */
export function runSpec(settings: Omit<RunSettings, "app" | "runId" | "stop" | "concurrency">): RunSpec {
  return {
    targets: settings.targetModels,
    epochs: settings.epochs ?? 1,
    auditorModel: settings.auditorModel,
    judgeModels: settings.judgeModels,
    minTargetReplies: settings.minTargetReplies ?? DEFAULT_MIN_TARGET_REPLIES,
    maxTurns: settings.maxTurns,
    realismFilter: settings.realismFilter,
    saveDir: settings.saveDir,
    auditorSystemPrompt: settings.auditorSystemPrompt,
    auditorUserPrompt: settings.auditorUserPrompt,
    cwd: settings.cwd,
  };
}

export interface RunJobsPlan {
  /** Per cell: the job that works it, or null when its finished audit is finished by this invocation. */
  jobIds: Array<string | null>;
  /** Failed or cancelled jobs to queue again. */
  requeue: string[];
  /** Cells that need a new job. */
  fresh: number[];
}

const cellKey = (seedText: string, target: string, epoch: number) => JSON.stringify([seedText, target, epoch]);

function jobCellKey(job: JobRecord): string {
  const p = job.payload as Partial<AuditJobPayload>;
  return cellKey(p.seed?.text ?? "", p.target ?? "", p.epoch ?? 1);
}

/**
 * Pairs each cell with at most one of the run's audit jobs, each job used once: first the job that
 * holds the cell's finished audit; then, in the grid's order, a job of the same seed text, target
 * and epoch that has not ended done for a cell that needs an audit; then any such job.
 */
export function pairJobs(plans: readonly SeedPlan[], jobs: readonly JobRecord[]): Array<JobRecord | null> {
  const paired: Array<JobRecord | null> = plans.map(() => null);
  const used = new Set<string>();
  const byAudit = new Map(jobs.filter((job) => job.auditId !== null).map((job) => [job.auditId!, job]));
  const byCell = new Map<string, JobRecord[]>();
  for (const job of jobs) byCell.set(jobCellKey(job), [...(byCell.get(jobCellKey(job)) ?? []), job]);
  const take = (index: number, job: JobRecord | undefined) => {
    if (!job) return;
    paired[index] = job;
    used.add(job.id);
  };
  const free = (plan: SeedPlan, ok: (job: JobRecord) => boolean) =>
    (byCell.get(cellKey(plan.seed.text, plan.target, plan.epoch)) ?? []).find((job) => !used.has(job.id) && ok(job));
  plans.forEach((plan, i) => {
    const job = plan.previous ? byAudit.get(plan.previous.id) : undefined;
    if (job && !used.has(job.id)) take(i, job);
  });
  plans.forEach((plan, i) => paired[i] === null && plan.previous === null && take(i, free(plan, (job) => job.status !== "done")));
  plans.forEach((plan, i) => paired[i] === null && take(i, free(plan, () => true)));
  return paired;
}

/** What this invocation does with each cell, given the run's audit jobs (see the top of this file). */
export function planRunJobs(plans: readonly SeedPlan[], jobs: readonly JobRecord[]): RunJobsPlan {
  const result: RunJobsPlan = { jobIds: [], requeue: [], fresh: [] };
  pairJobs(plans, jobs).forEach((job, i) => {
    const live = job !== null && (job.status === "queued" || job.status === "running");
    if (live) result.jobIds.push(job.id);
    else if (plans[i]!.previous) result.jobIds.push(null);
    else if (job !== null && job.status !== "done") {
      result.requeue.push(job.id);
      result.jobIds.push(job.id);
    } else {
      result.fresh.push(i);
      result.jobIds.push(null);
    }
  });
  return result;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `work` on each item, `concurrency` at a time, starting none once `stop` is stopping. */
async function eachAtOnce<T>(items: readonly T[], concurrency: number, stop: StopController, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (!stop.stopping && next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

/**
 * `petri-mcp audit` without --enqueue: stores the run as jobs, finishes the cells an earlier
 * invocation audited, works the run's jobs in this process, and reports every cell.
 */
export async function runBatch(settings: RunSettings, seeds: readonly Seed[]): Promise<RunReport> {
  const { app, stop, runId } = settings;
  const emit = settings.onEvent ?? (() => undefined);
  const unsubscribe = stop.onChange((level) => emit({ type: "stop_requested", level }));
  try {
    const epochs = settings.epochs ?? 1;
    const spec = runSpec(settings);
    const jobs = (await app.store.jobs.listRun(runId)).filter((job) => job.kind === "audit");
    const audits = await runAudits(app.store, runId);
    const recovered: string[] = [];
    for (const audit of abandonedAudits(audits, jobs)) recovered.push((await app.service.closeAudit(audit.id, "failed", INTERRUPTED)).id);
    const plans = planGrid(seeds, settings.targetModels, epochs, audits);
    const work = planRunJobs(plans, jobs);
    const payloads = auditJobPayloads(spec, seeds);
    const fresh = work.fresh.map((i) => payloads[i]!);
    const ids = (await storeRunJobs(app.store, runId, spec, seeds.length, settings.budgetUsd, { payloads: fresh, requeue: work.requeue }))!;
    work.fresh.forEach((cell, k) => (work.jobIds[cell] = ids[k]!));
    const toRun = work.jobIds.filter((id) => id !== null).length;
    emit({ type: "run_started", runId, seeds: plans.length, toRun, resumed: plans.length - toRun, recovered: recovered.length });

    const results = plans.map(notStarted);
    const reported = new Set<number>();
    const report = (index: number, result: SeedResult) => {
      results[index] = result;
      reported.add(index);
    };
    const resumedCells = plans.map((_, i) => i).filter((i) => work.jobIds[i] === null);
    await eachAtOnce(resumedCells, settings.concurrency, stop, async (i) => report(i, await finishPrevious(settings, plans[i]!, plans[i]!.previous!)));
    const others = await workJobs(settings, plans, work.jobIds, report);
    // Cells whose jobs another process worked meanwhile.
    for (const [i, jobId] of work.jobIds.entries()) {
      if (jobId === null || reported.has(i)) continue;
      const job = await app.store.jobs.get(jobId);
      const audit = job?.status === "done" && job.auditId ? await app.store.audits.get(job.auditId) : undefined;
      if (audit && isFinished(audit) && !stop.stopping) report(i, await finishPrevious(settings, plans[i]!, audit));
      else if (job?.status === "failed") report(i, { ...notStarted(plans[i]!), status: "error", reason: job.lastError });
    }
    return { runId, saveDir: settings.saveDir, results: [...results, ...others], stopLevel: stop.level, recovered };
  } finally {
    unsubscribe();
  }
}

/**
 * Works the run's jobs in this process until the run has nothing queued or running; reports each
 * cell's result as its job ends, and returns the results of run jobs outside this grid (a rerun
 * with other seeds). The first stop drains the worker; a job whose audit was interrupted by the
 * stop is given back to the queue.
 */
async function workJobs(settings: RunSettings, plans: readonly SeedPlan[], jobIds: ReadonlyArray<string | null>, report: (index: number, result: SeedResult) => void): Promise<SeedResult[]> {
  const { app, stop, runId } = settings;
  const cellOf = new Map<string, number>();
  jobIds.forEach((id, i) => id !== null && cellOf.set(id, i));
  const others = new Map<string, SeedResult>();
  const grid = { targets: settings.targetModels, epochs: settings.epochs ?? 1 };
  const owner = app.judges.owner;
  const handler = async (job: JobRecord, signal: AbortSignal) => {
    if (stop.stopping) throw new ReleaseJobError("the run was stopped before this job started");
    const index = cellOf.get(job.id);
    const p = job.payload as AuditJobPayload;
    const plan: SeedPlan = index !== undefined ? plans[index]! : { seed: p.seed, target: p.target, epoch: p.epoch, previous: null };
    let result = null as SeedResult | null;
    const record = (r: SeedResult) => {
      result = r;
      if (index !== undefined) report(index, r);
      else others.set(job.id, r);
    };
    try {
      await runAuditJob(app, app.store.jobs, owner, job, signal, { onEvent: settings.onEvent, stop, grid, onResult: record });
    } catch (error) {
      const r: SeedResult = result ?? { ...notStarted(plan), status: "error", reason: message(error) };
      if (result === null) record(r);
      if (stop.stopping && r.reason === INTERRUPTED) throw new ReleaseJobError(message(error));
      // A failed audit is reported, not tried again by this process (a rerun queues its job again);
      // the job's other attempts are for taking it over after a crash.
      throw error instanceof FinalJobError ? error : new FinalJobError(message(error));
    }
  };
  const drain = new AbortController();
  const undrain = stop.onChange(() => drain.abort());
  if (stop.stopping) drain.abort();
  try {
    await new JobWorker({ jobs: app.store.jobs, owner, handlers: { audit: handler }, concurrency: settings.concurrency, runId, exitWhenIdle: true, drain: drain.signal, quiet: true }).run();
  } finally {
    undrain();
  }
  return [...others.values()];
}
