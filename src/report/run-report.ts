/**
 * A run's report from the store, recomputed on every call (nothing cached), in the format asked
 * for. The viewer's run page and the MCP tool call `runReport`; the CLI also renders it.
 */
import type { AuditStore, StoreSession } from "../store/types.js";
import { aggregateRun, type RunReportData } from "./aggregate.js";
import { collectRun } from "./collect.js";
import { renderCsv } from "./render-csv.js";
import { renderHtml } from "./render-html.js";
import { renderMarkdown } from "./render-markdown.js";

export type ReportFormat = "markdown" | "html" | "json" | "csv";
export const REPORT_FORMATS: readonly ReportFormat[] = ["markdown", "html", "json", "csv"];

export interface ReportOptions {
  /** Overrides the run's recorded --min-target-replies. */
  minTargetReplies?: number;
}

/** The report's numbers, or null when the run id has no audits. */
export function runReport(store: AuditStore, runId: string, options: ReportOptions = {}): Promise<RunReportData | null> {
  return store.snapshot((tx) => runReportIn(tx, runId, options));
}

/** The same, read through `session` (a snapshot the caller reads more from). */
export async function runReportIn(session: StoreSession, runId: string, options: ReportOptions = {}): Promise<RunReportData | null> {
  const run = await collectRun(session, runId);
  return run ? aggregateRun(run, options) : null;
}

export function renderReport(report: RunReportData, format: ReportFormat): string {
  switch (format) {
    case "markdown":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report);
    case "csv":
      return renderCsv(report);
    case "json":
      return JSON.stringify(report, null, 2) + "\n";
  }
}
