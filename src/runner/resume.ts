/**
 * Resuming a run: which cells of the grid (seed × target × epoch) already have a finished audit
 * in this run, and which audits a crashed invocation left active. A seed is matched by its text
 * (the audit's stored seed_instruction), so library and literal seeds resume alike; a seed listed
 * k times matches up to k finished audits with that text.
 */
import type { Seed } from "../prompts/seeds.js";
import type { AuditRecord, JobRecord } from "../store/types.js";

export interface SeedPlan {
  seed: Seed;
  /** The target model of this cell of the grid. */
  target: string;
  /** Which repetition (1-based) of the seed against this target. */
  epoch: number;
  /** This cell's finished audit (ended or max_turns) from an earlier invocation, if any. */
  previous: AuditRecord | null;
}

export function isFinished(audit: AuditRecord): boolean {
  return audit.status === "ended" || audit.status === "max_turns";
}

/**
 * The grid: every seed against every target, `epochs` times, ordered epoch by epoch, then seed,
 * then target (so a stopped run has comparable cells). Each cell is paired with a finished audit
 * of the run with the same seed text, target and epoch (an audit without an epoch counts as
 * epoch 1), oldest first, each audit used once. Failed audits are run again.
 */
export function planGrid(seeds: readonly Seed[], targets: readonly string[], epochs: number, runAudits: readonly AuditRecord[]): SeedPlan[] {
  const finished = runAudits.filter(isFinished).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const used = new Set<string>();
  const plans: SeedPlan[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const seed of seeds) {
      for (const target of targets) {
        const previous =
          finished.find((audit) => !used.has(audit.id) && audit.seedInstruction === seed.text && audit.targetModel === target && (audit.epoch ?? 1) === epoch) ?? null;
        if (previous) used.add(previous.id);
        plans.push({ seed, target, epoch, previous });
      }
    }
  }
  return plans;
}

/**
 * Audits of the run still marked active that no queued or running job of the run holds: their
 * process stopped mid-audit (a job's own audit is left to whoever claims the job). While a job of
 * the run is running, an active audit no job records may be that job's, about to be recorded: only
 * the audits of ended jobs count then.
 */
export function abandonedAudits(runAudits: readonly AuditRecord[], runJobs: readonly JobRecord[] = []): AuditRecord[] {
  const live = (job: JobRecord) => job.status === "queued" || job.status === "running";
  const held = new Set(runJobs.filter(live).map((job) => job.auditId));
  const ofEndedJobs = new Set(runJobs.filter((job) => !live(job)).map((job) => job.auditId));
  const working = runJobs.some((job) => job.status === "running");
  return runAudits.filter((audit) => audit.status === "active" && !held.has(audit.id) && (!working || ofEndedJobs.has(audit.id)));
}
