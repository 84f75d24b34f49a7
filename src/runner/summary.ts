/** The table printed at the end of a run: one row per seed, then what failed and where the transcripts are. */
import type { RunReport, SeedResult } from "./batch.js";

const SEED_WIDTH = 40;

function cut(text: string, width: number): string {
  return text.length > width ? text.slice(0, width - 1) + "…" : text;
}

function statusLabel(result: SeedResult): string {
  if (result.status === "not_started") return "not started";
  return result.resumed ? `${result.status} (earlier)` : result.status;
}

function scoresLabel(result: SeedResult): string {
  if (result.topScores.length > 0) return result.topScores.map(([name, value]) => `${name}=${value}`).join(" ");
  if (result.judgeStatus === "skipped") return "(nothing to judge)";
  if (result.judgeStatus && result.judgeStatus !== "complete" && result.judgeStatus !== "partial") return `(judge ${result.judgeStatus})`;
  return "-";
}

export function formatSummary(report: RunReport): string {
  // Target and epoch columns only when the grid has more than one of them.
  const showTarget = new Set(report.results.map((r) => r.target)).size > 1;
  const showEpoch = report.results.some((r) => r.epoch > 1);
  const rows = report.results.map((r) => [
    cut(r.seed.id, SEED_WIDTH),
    ...(showTarget ? [r.target] : []),
    ...(showEpoch ? [String(r.epoch)] : []),
    r.auditId ?? "-",
    statusLabel(r),
    r.auditId ? String(r.turns) : "-",
    scoresLabel(r),
  ]);
  const header = ["seed", ...(showTarget ? ["target"] : []), ...(showEpoch ? ["epoch"] : []), "audit", "status", "turns", "top scores"];
  const turnsColumn = header.indexOf("turns");
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === turnsColumn ? cell.padStart(widths[i]!) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...rows.map(line)];

  const problems = report.results.filter((r) => r.status === "failed" || r.status === "error" || r.judgeError);
  if (problems.length > 0) {
    out.push("");
    for (const r of problems) {
      const what = r.status === "failed" || r.status === "error" ? `${r.status}: ${r.reason ?? "no reason recorded"}` : `judge ${r.judgeStatus}: ${r.judgeError}`;
      out.push(`${r.seed.id}${r.auditId ? ` (audit ${r.auditId})` : ""} ${what}`);
    }
  }
  const notStarted = report.results.filter((r) => r.status === "not_started").length;
  const inconclusive = report.results.filter((r) => r.inconclusive);
  out.push("");
  for (const r of inconclusive) out.push(`${r.seed.id}${r.auditId ? ` (audit ${r.auditId})` : ""} ${r.inconclusive}`);
  if (inconclusive.length > 0) out.push(`${inconclusive.length} audit(s) inconclusive: shown here, counted apart and left out of the report's means.`, "");
  const overBudget = report.results.find((r) => r.status === "not_started" && r.reason?.startsWith("budget:"));
  if (notStarted > 0) {
    const why = overBudget ? `the run's ${overBudget.reason}` : "the run was stopped";
    out.push(`${notStarted} seed(s) not started: ${why}. Rerun with --run-id ${report.runId} to continue.`);
  }
  if (report.stopLevel !== "running") {
    out.push(`The run's unfinished audits stay queued as jobs: rerunning with --run-id ${report.runId}, or petri-mcp worker --run-id ${report.runId} --exit-when-idle, finishes them.`);
  }
  out.push(`Transcripts: ${report.saveDir}`);
  out.push(`Run id: ${report.runId} (petri-mcp report ${report.runId} for means, intervals and judge agreement)`);
  return out.join("\n");
}
