/**
 * Resuming a run: which seeds already have a finished audit in this run, and which audits a
 * crashed invocation left active. A seed is matched by its text (the audit's stored
 * seed_instruction), so library and literal seeds resume alike; a seed listed k times matches up
 * to k finished audits with that text.
 */
import type { Seed } from "../prompts/seeds.js";
import type { AuditRecord } from "../store/audit-store.js";

export interface SeedPlan {
  seed: Seed;
  /** This seed's finished audit (ended or max_turns) from an earlier invocation, if any. */
  previous: AuditRecord | null;
}

export function isFinished(audit: AuditRecord): boolean {
  return audit.status === "ended" || audit.status === "max_turns";
}

/** Pairs each seed with a finished audit of the run, oldest audits first. Failed audits are run again. */
export function planSeeds(seeds: readonly Seed[], runAudits: readonly AuditRecord[]): SeedPlan[] {
  const finished = runAudits.filter(isFinished).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const used = new Set<string>();
  return seeds.map((seed) => {
    const previous = finished.find((audit) => !used.has(audit.id) && audit.seedInstruction === seed.text) ?? null;
    if (previous) used.add(previous.id);
    return { seed, previous };
  });
}

/** Audits of the run still marked active: their process stopped mid-audit. */
export function abandonedAudits(runAudits: readonly AuditRecord[]): AuditRecord[] {
  return runAudits.filter((audit) => audit.status === "active");
}
