/**
 * What a `petri-mcp audit` run was asked to do (its design, kept by `store.runs`), and the per-audit
 * facts the run report reads in bulk, through the store interface (src/store/types.ts): pass the
 * store, or the session of a `snapshot`/`transaction` to read them from one state.
 */
import type { AuditRecord, JudgeRunScores, StoreSession } from "./types.js";

/** An audit whose target replied fewer times than this is inconclusive, unless the run says otherwise. */
export const DEFAULT_MIN_TARGET_REPLIES = 2;

/** The design of a run: the grid it covers and how its audits are judged and gated. */
export interface RunDesign {
  targets: string[];
  epochs: number;
  /** The judge jury (empty: not judged by the runner). */
  judges: string[];
  /** An audit whose target replied fewer times than this is inconclusive. */
  minTargetReplies: number;
  auditor: string;
  seeds: number;
}

/** Records (or, on a resume, replaces) the run's design. */
export async function saveRunDesign(store: StoreSession, runId: string, design: RunDesign): Promise<void> {
  await store.runs.saveDesign(runId, { ...design });
}

/** The run's recorded design, or null for a run id recorded before schema 3 (or none). */
export async function loadRunDesign(store: StoreSession, runId: string): Promise<RunDesign | null> {
  return (await store.runs.design(runId)) as RunDesign | null;
}

/** Target replies (assistant messages that are not the auditor's prefill, on every branch) per audit of the run. */
export function targetRepliesOfRun(store: StoreSession, runId: string): Promise<Map<string, number>> {
  return store.runs.targetReplies(runId);
}

/** Target replies of one audit (see targetRepliesOfRun). */
export function targetReplies(store: StoreSession, auditId: string): Promise<number> {
  return store.messages.targetReplies(auditId);
}

const PAGE = 500;

/** Every audit of the run, newest first. */
export async function runAudits(store: StoreSession, runId: string): Promise<AuditRecord[]> {
  const audits: AuditRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = (await store.audits.list({ runId, limit: PAGE, offset })).audits;
    audits.push(...page);
    if (page.length < PAGE) return audits;
  }
}

/** A judge run as the report needs it: no rubric texts, no transcript, no answer. */
export type JudgeScoreRow = JudgeRunScores;

/** Every judge run of the run's audits in one query, oldest first (rubric texts stay in the store). */
export function judgeScoresOfRun(store: StoreSession, runId: string): Promise<JudgeScoreRow[]> {
  return store.judgeRuns.scoresOfRun(runId);
}
