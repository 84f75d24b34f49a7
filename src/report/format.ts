/** Number formatting and lookups shared by the report's renderers. */
import type { Agreement, Cell, RunReportData } from "./aggregate.js";

export const DASH = "–";

export function num(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || Number.isNaN(value) ? DASH : value.toFixed(digits);
}

/** `[low, high]`, or a dash without an interval. */
export function interval(low: number | null, high: number | null): string {
  return low === null || high === null ? DASH : `[${num(low)}, ${num(high)}]`;
}

export function cellOf(report: RunReportData, target: string, dimension: string): Cell | undefined {
  return report.cells.find((c) => c.target === target && c.dimension === dimension);
}

export function agreementOf(report: RunReportData, dimension: string): Agreement | undefined {
  return report.agreement.find((a) => a.dimension === dimension);
}

export function rankableLabel(value: boolean | null): string {
  return value === null ? "n/a" : value ? "yes" : "no";
}

/** The judges' line of a judge: self-preference and exclusions, in words. */
export function judgeNotes(judge: RunReportData["judges"][number]): string {
  const notes: string[] = [];
  if (judge.selfPreferenceTargets.length > 0) notes.push(`self-preference risk: same family as ${judge.selfPreferenceTargets.join(", ")}`);
  if (judge.excluded.length > 0) {
    const first = judge.excluded[0]!;
    notes.push(`excluded from ${judge.excluded.length} audit(s) (${first.status}${first.error ? `: ${first.error.replace(/\s+/g, " ").slice(0, 160)}` : ""})`);
  }
  return notes.join("; ");
}
