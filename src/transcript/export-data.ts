/**
 * Everything the renderings of an audit need (Petri JSON, Markdown, HTML, the viewer): the audit
 * row, every message of the three tree views, the view heads, the events, the synthetic tools, the
 * judge runs and the realism checks. src/export/load.ts reads it from the store in one snapshot.
 */
import type { StoredTool } from "../audit/synthetic-tools.js";
import type { JudgeRunRecord } from "../judge/runs.js";
import type { AuditRecord, StoredEvent, StoredMessage, StoredRealismCheck, TreeView } from "../store/types.js";

export interface ExportData {
  audit: AuditRecord;
  /** Every message ever written to each view, in write order (all branches). */
  messages: Record<TreeView, StoredMessage[]>;
  heads: Record<TreeView, number | null>;
  events: StoredEvent[];
  /** The synthetic tools the target has now. */
  tools: StoredTool[];
  /** Oldest first; a run whose process died reads as interrupted. */
  judgeRuns: JudgeRunRecord[];
  /** Oldest first. */
  realismChecks: StoredRealismCheck[];
}

export type { JudgeRunRecord as JudgeRun } from "../judge/runs.js";
export type { StoredRealismCheck as RealismCheck } from "../store/types.js";
export type { Citation, CitationPart } from "../judge/citations.js";
/** The judge run whose results the export shows: the same one get_audit shows. */
export { pickScoredRun as latestScoredRun } from "../judge/runs.js";

/** The branch from the root to the head, in order. */
export function currentBranch(data: ExportData, view: TreeView): StoredMessage[] {
  const bySeq = new Map(data.messages[view].map((m) => [m.seq, m]));
  const branch: StoredMessage[] = [];
  let seq = data.heads[view];
  while (seq !== null) {
    const message = bySeq.get(seq);
    if (!message) break;
    branch.push(message);
    seq = message.parentSeq;
  }
  return branch.reverse();
}
