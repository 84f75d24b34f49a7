/**
 * Everything an export needs about one audit, read from the store in one read transaction so the
 * snapshot is consistent even while another client is auditing: the audit row, every message of the
 * three tree views, the view heads, the events, the synthetic tools, the judge runs and the realism
 * checks.
 */
import type { StoredTool } from "../audit/synthetic-tools.js";
import { type JudgeRunRecord, JudgeRunStore } from "../judge/runs.js";
import { listRealismChecks, type RealismCheck } from "../realism/checks.js";
import type { AuditRecord, AuditStore, StoredEvent, StoredMessage, TreeView } from "../store/audit-store.js";

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
  realismChecks: RealismCheck[];
}

const VIEWS: readonly TreeView[] = ["target", "combined", "auditor"];

/** The audit's export snapshot, or undefined when no such audit exists. */
export function loadExportData(store: AuditStore, auditId: string): ExportData | undefined {
  return store.read(() => {
    const audit = store.getAudit(auditId);
    if (!audit) return undefined;
    return {
      audit,
      messages: Object.fromEntries(VIEWS.map((v) => [v, store.allMessages(auditId, v)])) as Record<TreeView, StoredMessage[]>,
      heads: Object.fromEntries(VIEWS.map((v) => [v, store.head(auditId, v)])) as Record<TreeView, number | null>,
      events: store.events(auditId),
      tools: store.listTools(auditId),
      judgeRuns: new JudgeRunStore(store).listAll(auditId),
      realismChecks: listRealismChecks(store, auditId),
    };
  });
}

export type { JudgeRunRecord as JudgeRun } from "../judge/runs.js";
export type { RealismCheck } from "../realism/checks.js";
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

/** Audit ids starting with `prefix`, newest first (for MCP completion). */
export function auditIdsStartingWith(store: AuditStore, prefix: string, limit = 50): string[] {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = store.prepare("SELECT id FROM audits WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC, id LIMIT ?").all(`${escaped}%`, limit) as { id: string }[];
  return rows.map((r) => r.id);
}
