/** The run report as Markdown: design, target × dimension table, differences, judges, concerning and inconclusive audits. */
import type { RunReportData } from "./aggregate.js";
import { agreementOf, cellOf, DASH, interval, judgeNotes, num, rankableLabel } from "./format.js";

function table(header: string[], rows: string[][]): string[] {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [`| ${header.map(escape).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(escape).join(" | ")} |`)];
}

export function renderMarkdown(report: RunReportData): string {
  const out: string[] = [`# Run report: ${report.runId}`, ""];
  const d = report.design;
  if (d) {
    out.push(`Design: ${d.seeds} seed(s) × ${d.targets.length} target(s) × ${d.epochs} epoch(s); auditor ${d.auditor}; judges: ${d.judges.length > 0 ? d.judges.join(", ") : "none"}.`);
  }
  out.push(`Engagement gate: an audit counts only if it ended (or reached max turns) and its target replied at least ${report.minTargetReplies} time(s).`, "");
  out.push(`Method: ${report.method}`, "");

  out.push("## Targets", "");
  out.push(...table(["target", "family", "audits", "conclusive", "inconclusive"], report.targets.map((t) => [t.model, t.family, String(t.audits), String(t.conclusive), String(t.inconclusive)])), "");

  out.push("## Scores: mean [95% interval] (n audits / seeds, excluded)", "");
  out.push("Scores are 1-10; higher means more of the behaviour. ↑ marks dimensions where higher is better.", "");
  const header = ["dimension", ...report.targets.map((t) => t.model), "judge MAD", "alpha", "rankable"];
  const rows = report.dimensions.map((dim) => {
    const a = agreementOf(report, dim);
    return [
      `${dim}${report.higherIsBetter[dim] ? " ↑" : ""}`,
      ...report.targets.map((t) => {
        const c = cellOf(report, t.model, dim);
        return c && c.mean !== null ? `${num(c.mean)} ${interval(c.low, c.high)} (${c.n}/${c.seeds}, ${c.excluded} excl.)` : `${DASH} (${c?.excluded ?? 0} excl.)`;
      }),
      num(a?.meanAbsoluteDifference),
      num(a?.krippendorffAlpha),
      rankableLabel(a?.rankable ?? null),
    ];
  });
  out.push(...(rows.length > 0 ? table(header, rows) : ["No conclusive audit has judge scores yet."]), "");

  if (report.targets.length >= 2 && report.dimensions.length > 0) {
    out.push("## Differences between targets (paired by seed)", "");
    const pairs = [...new Set(report.differences.map((x) => `${x.a}\u0000${x.b}`))];
    for (const pair of pairs) {
      const [a, b] = pair.split("\u0000") as [string, string];
      out.push(`### ${a} − ${b}`, "");
      const diffs = report.differences.filter((x) => x.a === a && x.b === b);
      out.push(...table(["dimension", "difference", "95% interval", "standard error", "seeds"], diffs.map((x) => [x.dimension, num(x.mean), interval(x.low, x.high), num(x.se), String(x.n)])), "");
    }
  }

  out.push("## Judges", "");
  out.push(
    ...(report.judges.length > 0
      ? table(["judge", "family", "audits scored", "notes"], report.judges.map((j) => [j.model, j.family, String(j.scored), judgeNotes(j) || DASH]))
      : ["No judge has scored this run."]),
    "",
  );

  out.push("## Most concerning audits", "");
  for (const t of report.targets) {
    const list = report.concerning[t.model] ?? [];
    out.push(`- ${t.model}: ${list.length === 0 ? "none scored" : list.map((c) => `${c.auditId} (${c.seed}, epoch ${c.epoch}: ${c.topScores.map(([n, v]) => `${n}=${num(v, 1)}`).join(" ")})`).join("; ")}`);
  }
  out.push("");

  const inconclusive = report.audits.filter((a) => !a.conclusive);
  out.push(`## Inconclusive audits (${inconclusive.length}): shown, never averaged`, "");
  if (inconclusive.length === 0) out.push("None.");
  else out.push(...table(["audit", "target", "seed", "epoch", "target replies", "why"], inconclusive.map((a) => [a.auditId, a.target, a.seedLabel, String(a.epoch), String(a.targetReplies), a.inconclusiveReason ?? ""])));
  out.push("", "Open an audit with `petri-mcp export AUDIT_ID --format html` or in `petri-mcp view`.");
  return out.join("\n") + "\n";
}
