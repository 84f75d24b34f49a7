/**
 * What happens to an audit once its conversation is over: the judge (when a judge model is set)
 * and the Petri JSON export to the save dir. Also the facts the resume logic and the summary read
 * back from the store and the save dir.
 */
import { existsSync, readdirSync } from "node:fs";
import { AuditError } from "../audit/errors.js";
import type { AppContext } from "../context.js";
import { prepareJudgeRun } from "../judge/request.js";
import { judgeRunnerFor } from "../judge/runner.js";
import { mergedScoresOf } from "../judge/jury.js";
import { type JudgeRunRecord, JudgeRunStore } from "../judge/runs.js";
import type { AuditStore } from "../store/audit-store.js";
import { exportAudit } from "../transcript/export.js";
import { callSignal } from "./stop.js";

export interface JudgeStep {
  /** The judge run's status, "interrupted" when the run was stopped, or "skipped" when there was nothing to judge. */
  status: string;
  run: JudgeRunRecord | null;
  error: string | null;
}

/**
 * Judges the audit with Petri's default dimensions and waits for the run. A judge that fails is
 * the judge's failure (stored as such); an audit with no target conversation is not judged.
 * Aborting `signal` cancels the judge's calls: the run is stored as failed and reported here as
 * interrupted.
 */
export async function judgeAudit(app: AppContext, auditId: string, judgeModel: string, signal: AbortSignal): Promise<JudgeStep> {
  if (app.legacyStore.branchCount(auditId, "target") === 0) return { status: "skipped", run: null, error: null };
  let request;
  try {
    request = prepareJudgeRun(
      { store: app.legacyStore, models: app.models, defaultJudgeModel: judgeModel, defaultJudgeConfig: app.config.roleSettings?.judge, folders: { allowedRoots: null } },
      { auditId },
    );
  } catch (error) {
    if (error instanceof AuditError) return { status: "skipped", run: null, error: error.message };
    throw error;
  }
  const runner = judgeRunnerFor(app.legacyStore, app.models);
  const linked = callSignal(signal);
  let run: JudgeRunRecord | undefined;
  try {
    const runId = runner.start(request, { signal: linked.signal });
    app.changes.auditChanged(auditId);
    run = await runner.whenDone(runId);
    app.changes.auditChanged(auditId);
  } finally {
    linked.release();
  }
  if (!run) throw new Error(`judge run of audit ${auditId} vanished from the store`);
  if (signal.aborted && run.status === "failed") return { status: "interrupted", run, error: "The run was stopped before the judge finished." };
  return { status: run.status, run, error: run.error };
}

/** Whether this judge has nothing (more) to do for the audit: it has scores from it, or there is no target conversation to score. */
export function judgeDone(store: AuditStore, auditId: string, judgeModel: string): boolean {
  if (store.branchCount(auditId, "target") === 0) return true;
  return Object.keys(mergedScoresOf(new JudgeRunStore(store).list(auditId), judgeModel)).length > 0;
}

/** The name of this audit's Petri JSON export in `saveDir`, if one was written. */
export function existingExport(saveDir: string, auditId: string): string | undefined {
  if (!existsSync(saveDir)) return undefined;
  const suffix = `_${auditId}.json`;
  return readdirSync(saveDir).find((name) => name.startsWith("transcript_") && name.endsWith(suffix));
}

/** Writes (or rewrites, keeping its file name) the audit's Petri JSON transcript; returns the path. */
export function exportTranscript(store: AuditStore, auditId: string, saveDir: string): string {
  return exportAudit(store, auditId, { format: "petri", transcriptsDir: saveDir, path: existingExport(saveDir, auditId) }).path;
}

/** Auditor generations recorded for the audit. */
export function auditorTurns(store: AuditStore, auditId: string): number {
  return store.branch(auditId, "auditor").filter((m) => m.message.role === "assistant").length;
}
