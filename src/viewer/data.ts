/**
 * Every store read the viewer makes, in one place (the viewer never writes). Each method reads in
 * one `store.snapshot`, so a page is consistent while other clients audit.
 */
import { type JudgeRunRecord, JudgeRunStore, pickScoredRun } from "../judge/runs.js";
import type { RunReportData } from "../report/aggregate.js";
import { runReportIn } from "../report/run-report.js";
import type { AuditRecord, AuditStatus, AuditStore, ModelCallRecord, RoleUsage, RunListing, StoredMessage, StoreSession, TreeView } from "../store/types.js";
import { readExportData } from "../export/load.js";
import type { ExportData } from "../transcript/export-data.js";

export interface AuditListFilter {
  status?: AuditStatus;
  tag?: string;
  targetModel?: string;
  runId?: string;
  search?: string;
  limit: number;
  offset: number;
}

/** One row of the audits list. */
export interface AuditRow {
  audit: AuditRecord;
  /** The latest judge run, whatever its status. */
  latestRun: JudgeRunRecord | undefined;
  /** The run whose scores represent the audit (latest complete, else latest partial). */
  scoredRun: JudgeRunRecord | undefined;
  /** Summed over the calls with a known price; null when none had one. */
  costUsd: number | null;
}

export interface AuditDetail {
  data: ExportData;
  usage: RoleUsage[];
  calls: ModelCallRecord[];
  /** The current branch of the combined and auditor views. */
  views: Record<Exclude<TreeView, "target">, readonly StoredMessage[]>;
}

/** A run page's data: the run's report (src/report/) and its audits, read in one snapshot. */
export interface RunView {
  report: RunReportData;
  rows: AuditRow[];
}

export type RunSummary = RunListing;

/** How many model calls an audit page lists. */
export const MAX_MODEL_CALLS = 500;
/** How many audits the run page reads. */
export const MAX_RUN_AUDITS = 5000;

function totalCost(usage: readonly RoleUsage[]): number | null {
  const known = usage.map((u) => u.costUsd).filter((c): c is number => c !== null);
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) : null;
}

export class ViewerData {
  private readonly runs: JudgeRunStore;

  constructor(private readonly store: AuditStore) {
    this.runs = new JudgeRunStore(store);
  }

  private async row(tx: StoreSession, audit: AuditRecord): Promise<AuditRow> {
    const runs = await this.runs.list(audit.id, tx);
    return { audit, latestRun: runs[0], scoredRun: pickScoredRun(runs), costUsd: totalCost(await tx.modelCalls.usageByRole(audit.id)) };
  }

  private async rows(tx: StoreSession, audits: readonly AuditRecord[]): Promise<AuditRow[]> {
    const rows: AuditRow[] = [];
    for (const audit of audits) rows.push(await this.row(tx, audit));
    return rows;
  }

  listAudits(filter: AuditListFilter): Promise<{ rows: AuditRow[]; total: number }> {
    return this.store.snapshot(async (tx) => {
      const { audits, total } = await tx.audits.list(filter);
      return { rows: await this.rows(tx, audits), total };
    });
  }

  /** The audit's change counter (bumped on every change), or undefined when there is no such audit. */
  async version(auditId: string): Promise<{ version: number; status: AuditStatus } | undefined> {
    const audit = await this.store.audits.get(auditId);
    return audit ? { version: audit.version, status: audit.status } : undefined;
  }

  audit(auditId: string): Promise<AuditDetail | undefined> {
    return this.store.snapshot(async (tx) => {
      const data = await readExportData(this.store, tx, auditId);
      if (!data) return undefined;
      return {
        data,
        usage: await tx.modelCalls.usageByRole(auditId),
        calls: await tx.modelCalls.forAudit(auditId, MAX_MODEL_CALLS),
        views: { combined: await tx.messages.branch(auditId, "combined"), auditor: await tx.messages.branch(auditId, "auditor") },
      };
    });
  }

  listRuns(): Promise<RunSummary[]> {
    return this.store.audits.runs();
  }

  /** A run's report and its audits with their scored judge runs, or undefined when the run has no audits. */
  run(runId: string): Promise<RunView | undefined> {
    return this.store.snapshot(async (tx) => {
      const report = await runReportIn(tx, runId);
      if (!report) return undefined;
      return { report, rows: await this.rows(tx, (await tx.audits.list({ runId, limit: MAX_RUN_AUDITS, offset: 0 })).audits) };
    });
  }
}
