/**
 * What happens to an audit once its conversation is over: the judge (when a judge model is set)
 * and the Petri JSON export to the save dir. Also the facts the resume logic and the summary read
 * back from the store and the save dir.
 */
import { existsSync, readdirSync } from "node:fs";
import { AuditError } from "../audit/errors.js";
import type { AppContext } from "../context.js";
import { prepareJudgeRun } from "../judge/request.js";
import { mergedScoresOf } from "../judge/jury.js";
import { type JudgeRunRecord, JudgeRunStore } from "../judge/runs.js";
import type { AuditStore } from "../store/types.js";
import { exportAudit } from "../export/export.js";
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
  if ((await app.store.messages.branchCount(auditId, "target")) === 0) return { status: "skipped", run: null, error: null };
  let request;
  try {
    request = await prepareJudgeRun(
      { store: app.store, models: app.models, defaultJudgeModel: judgeModel, defaultJudgeConfig: app.config.roleSettings?.judge, folders: { allowedRoots: null } },
      { auditId },
    );
  } catch (error) {
    if (error instanceof AuditError) return { status: "skipped", run: null, error: error.message };
    throw error;
  }
  // The app's runner works the runs it starts (`petri-mcp audit` and the demo create it with work on).
  const runner = app.judges;
  const linked = callSignal(signal);
  let run: JudgeRunRecord | undefined;
  try {
    // The run's start and end touch the audit: the store announces both.
    const runId = await runner.start(request, { signal: linked.signal });
    run = await runner.whenDone(runId);
  } finally {
    linked.release();
  }
  if (!run) throw new Error(`judge run of audit ${auditId} vanished from the store`);
  if (signal.aborted && run.status === "failed") return { status: "interrupted", run, error: "The run was stopped before the judge finished." };
  return { status: run.status, run, error: run.error };
}

/** Whether this judge has nothing (more) to do for the audit: it has scores from it, or there is no target conversation to score. */
export async function judgeDone(store: AuditStore, auditId: string, judgeModel: string): Promise<boolean> {
  if ((await store.messages.branchCount(auditId, "target")) === 0) return true;
  return Object.keys(mergedScoresOf(await new JudgeRunStore(store).list(auditId), judgeModel)).length > 0;
}

/** The name of this audit's Petri JSON export in `saveDir`, if one was written. */
export function existingExport(saveDir: string, auditId: string): string | undefined {
  if (!existsSync(saveDir)) return undefined;
  const suffix = `_${auditId}.json`;
  return readdirSync(saveDir).find((name) => name.startsWith("transcript_") && name.endsWith(suffix));
}

/** Writes (or rewrites, keeping its file name) the audit's Petri JSON transcript; returns the path. */
export async function exportTranscript(store: AuditStore, auditId: string, saveDir: string): Promise<string> {
  return (await exportAudit(store, auditId, { format: "petri", transcriptsDir: saveDir, path: existingExport(saveDir, auditId) })).path;
}

/** Auditor generations recorded for the audit. */
export async function auditorTurns(store: AuditStore, auditId: string): Promise<number> {
  return (await store.messages.branch(auditId, "auditor")).filter((m) => m.message.role === "assistant").length;
}
