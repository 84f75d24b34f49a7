/**
 * The run report as CSV (RFC 4180): one row per target × dimension ("cell") and per pair of
 * targets × dimension ("difference"), with the judges' agreement on that dimension.
 */
import type { RunReportData } from "./aggregate.js";
import { agreementOf } from "./format.js";

const HEADER = ["run_id", "kind", "target", "versus", "dimension", "higher_is_better", "n", "seeds", "excluded", "mean", "se", "ci_low", "ci_high", "judge_mad", "krippendorff_alpha", "rankable"];

function field(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(report: RunReportData): string {
  const lines = [HEADER.join(",")];
  const agreement = (dimension: string) => {
    const a = agreementOf(report, dimension);
    return [a?.meanAbsoluteDifference, a?.krippendorffAlpha, a?.rankable];
  };
  for (const c of report.cells) {
    const row = [report.runId, "cell", c.target, null, c.dimension, report.higherIsBetter[c.dimension] ?? false, c.n, c.seeds, c.excluded, c.mean, c.se, c.low, c.high, ...agreement(c.dimension)];
    lines.push(row.map(field).join(","));
  }
  for (const d of report.differences) {
    const row = [report.runId, "difference", d.a, d.b, d.dimension, report.higherIsBetter[d.dimension] ?? false, null, d.n, null, d.mean, d.se, d.low, d.high, ...agreement(d.dimension)];
    lines.push(row.map(field).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}
