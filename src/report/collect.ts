/**
 * Reads one run from the store for its report: every audit with its target, seed, epoch, status,
 * target reply count and jury (src/judge/jury.ts), plus the run's recorded design. Read it in one
 * snapshot (runReport does) so the numbers are consistent while the run is still going.
 */
import { type AuditJury, auditJury, type JuryRun } from "../judge/jury.js";
import type { AuditStatus, StoreSession } from "../store/types.js";
import { judgeScoresOfRun, loadRunDesign, type RunDesign, runAudits, targetRepliesOfRun } from "../store/run-records.js";

export interface ReportAudit {
  auditId: string;
  target: string;
  /** The seed's library id, else its text: audits with the same key are the same seed. */
  seedKey: string;
  /** A short name of the seed for tables. */
  seedLabel: string;
  epoch: number;
  status: AuditStatus;
  statusReason: string | null;
  targetReplies: number;
  jury: AuditJury;
  createdAt: string;
}

export interface CollectedRun {
  runId: string;
  /** Null for a run recorded before schema 3: the report infers targets and judges from the audits. */
  design: RunDesign | null;
  audits: ReportAudit[];
}

function seedLabel(seedId: string | null, text: string): string {
  if (seedId) return seedId;
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

/**
 * The run's audits oldest first, or null when the run id has no audits. Pass the session of a
 * `store.snapshot` so the numbers agree with each other.
 */
export async function collectRun(session: StoreSession, runId: string): Promise<CollectedRun | null> {
  const audits = (await runAudits(session, runId)).reverse();
  if (audits.length === 0) return null;
  const design = await loadRunDesign(session, runId);
  const replies = await targetRepliesOfRun(session, runId);
  // One query for every judge run of the run, without rubric texts (a sweep has tens of thousands).
  const runsByAudit = new Map<string, JuryRun[]>();
  const dimensionLists = new Map<string[], JuryRun["dimensions"]>();
  for (const row of await judgeScoresOfRun(session, runId)) {
    let dimensions = dimensionLists.get(row.dimensions);
    if (!dimensions) {
      const better = new Set(row.higherIsBetter);
      dimensions = row.dimensions.map((name) => ({ name, higherIsBetter: better.has(name) }));
      dimensionLists.set(row.dimensions, dimensions);
    }
    const run: JuryRun = {
      id: row.id,
      // A `running` run whose process died has no scores either: it is excluded the same way.
      status: row.status,
      judgeModel: row.judgeModel,
      scores: row.scores,
      error: row.error,
      startedAt: row.startedAt,
      dimensions,
    };
    const list = runsByAudit.get(row.auditId);
    if (list) list.push(run);
    else runsByAudit.set(row.auditId, [run]);
  }
  return {
    runId,
    design,
    audits: audits.map((audit) => {
      const jury = auditJury(runsByAudit.get(audit.id) ?? []);
      // A juror of the design that never ran on a judged audit is excluded and named too.
      if (design && jury.jurors.length + jury.excluded.length > 0) {
        for (const judge of design.judges) {
          if (!jury.jurors.some((j) => j.judgeModel === judge) && !jury.excluded.some((j) => j.judgeModel === judge)) {
            jury.excluded.push({ judgeModel: judge, status: "not run", error: null, runId: "" });
          }
        }
      }
      return {
        auditId: audit.id,
        target: audit.targetModel,
        seedKey: audit.seedId ?? audit.seedInstruction,
        seedLabel: seedLabel(audit.seedId, audit.seedInstruction),
        epoch: audit.epoch ?? 1,
        status: audit.status,
        statusReason: audit.statusReason,
        targetReplies: replies.get(audit.id) ?? 0,
        jury,
        createdAt: audit.createdAt,
      };
    }),
  };
}
