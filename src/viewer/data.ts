/**
 * Every store read the viewer makes, in one place (the viewer never writes). Each method reads in
 * one read transaction, so a page is a consistent snapshot while other clients audit.
 */
import { type JudgeRunRecord, JudgeRunStore, pickScoredRun } from "../judge/runs.js";
import type { RunReportData } from "../report/aggregate.js";
import { runReport } from "../report/run-report.js";
import type { AuditRecord, AuditStatus, AuditStore, ModelCallRecord, RoleUsage, StoredMessage, TreeView } from "../store/audit-store.js";
import { type ExportData, loadExportData } from "../transcript/export-data.js";

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

export interface RunSummary {
  runId: string;
  audits: number;
  firstCreatedAt: string;
  lastUpdatedAt: string;
}

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

  private row(audit: AuditRecord): AuditRow {
    const runs = this.runs.list(audit.id);
    return { audit, latestRun: runs[0], scoredRun: pickScoredRun(runs), costUsd: totalCost(this.store.usageByRole(audit.id)) };
  }

  listAudits(filter: AuditListFilter): { rows: AuditRow[]; total: number } {
    return this.store.read(() => {
      const { audits, total } = this.store.listAudits(filter);
      return { rows: audits.map((a) => this.row(a)), total };
    });
  }

  /** The audit's change counter (bumped on every change), or undefined when there is no such audit. */
  version(auditId: string): { version: number; status: AuditStatus } | undefined {
    const audit = this.store.getAudit(auditId);
    return audit ? { version: audit.version, status: audit.status } : undefined;
  }

  audit(auditId: string): AuditDetail | undefined {
    return this.store.read(() => {
      const data = loadExportData(this.store, auditId);
      if (!data) return undefined;
      return {
        data,
        usage: this.store.usageByRole(auditId),
        calls: this.store.modelCalls(auditId, MAX_MODEL_CALLS),
        views: { combined: this.store.branch(auditId, "combined"), auditor: this.store.branch(auditId, "auditor") },
      };
    });
  }

  listRuns(): RunSummary[] {
    return this.store.listRuns();
  }

  /** A run's report and its audits with their scored judge runs, or undefined when the run has no audits. */
  run(runId: string): RunView | undefined {
    return this.store.read(() => {
      const report = runReport(this.store, runId);
      if (!report) return undefined;
      return { report, rows: this.store.listAudits({ runId, limit: MAX_RUN_AUDITS, offset: 0 }).audits.map((a) => this.row(a)) };
    });
  }
}
