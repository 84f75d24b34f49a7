/**
 * Reads an audit's ExportData from the store in one snapshot, so it is consistent even while
 * another client is auditing.
 */
import { JudgeRunStore } from "../judge/runs.js";
import type { AuditStore, StoreSession, TreeView } from "../store/types.js";
import type { ExportData } from "../transcript/export-data.js";

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
