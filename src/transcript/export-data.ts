/**
 * Everything an export needs about one audit, read from the store in one snapshot so it is
 * consistent even while another client is auditing: the audit row, every message of the three tree
 * views, the view heads, the events, the synthetic tools, the judge runs and the realism checks.
 */
import type { StoredTool } from "../audit/synthetic-tools.js";
import { type JudgeRunRecord, JudgeRunStore } from "../judge/runs.js";
import type { AuditRecord, AuditStore, StoredEvent, StoredMessage, StoredRealismCheck, StoreSession, TreeView } from "../store/types.js";

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

const VIEWS: readonly TreeView[] = ["target", "combined", "auditor"];

/** One read per view, one after the other (a PostgreSQL transaction runs one query at a time). */
async function perView<T>(read: (view: TreeView) => Promise<T>): Promise<Record<TreeView, T>> {
  const values = {} as Record<TreeView, T>;
  for (const view of VIEWS) values[view] = await read(view);
  return values;
}

/** The audit's export data read through `tx` (a snapshot or transaction of `store`), or undefined when no such audit exists. */
export async function readExportData(store: AuditStore, tx: StoreSession, auditId: string): Promise<ExportData | undefined> {
  const audit = await tx.audits.get(auditId);
  if (!audit) return undefined;
  return {
    audit,
    messages: await perView((v) => tx.messages.all(auditId, v)),
    heads: await perView((v) => tx.messages.head(auditId, v)),
    events: await tx.events.list(auditId),
    tools: await tx.tools.list(auditId),
    judgeRuns: await new JudgeRunStore(store).listAll(auditId, tx),
    realismChecks: await tx.realismChecks.forAudit(auditId),
  };
}

/** The audit's export data from one snapshot, or undefined when no such audit exists. */
export function loadExportData(store: AuditStore, auditId: string): Promise<ExportData | undefined> {
  return store.snapshot((tx) => readExportData(store, tx, auditId));
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
