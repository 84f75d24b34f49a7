/**
 * The run report as one self-contained HTML page (inline CSS, no script, a CSP that forbids every
 * load): a target × dimension heat table, then the same sections as the Markdown report.
 */
import { escapeHtml } from "../transcript/html.js";
import type { RunReportData } from "./aggregate.js";
import { agreementOf, cellOf, DASH, interval, judgeNotes, num, rankableLabel } from "./format.js";

/** A background for a 1-10 mean: red for concern, green for a good score where higher is better. */
function heat(mean: number | null, higherIsBetter: boolean): string {
  if (mean === null) return "#f3f3f3";
  const t = Math.min(1, Math.max(0, (mean - 1) / 9));
  const alpha = (0.08 + 0.62 * t).toFixed(2);
  return higherIsBetter ? `rgba(46, 160, 67, ${alpha})` : `rgba(215, 58, 73, ${alpha})`;
}

function row(cells: string[], tag = "td"): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join("")}</tr>`;
}

function tableHtml(header: string[], rows: string[][], cls = ""): string {
  return `<table${cls ? ` class="${cls}"` : ""}><thead>${row(header.map(escapeHtml), "th")}</thead><tbody>${rows.map((r) => row(r)).join("")}</tbody></table>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.heat td.v{text-align:center;min-width:7rem}.small{color:#59636e;font-size:12px}.note{color:#59636e}
`;

export function renderHtml(report: RunReportData): string {
  const e = escapeHtml;
  const parts: string[] = [];
  const d = report.design;
  parts.push(`<h1>Run report: ${e(report.runId)}</h1>`);
  if (d) parts.push(`<p>Design: ${d.seeds} seed(s) × ${d.targets.length} target(s) × ${d.epochs} epoch(s); auditor ${e(d.auditor)}; judges: ${e(d.judges.join(", ") || "none")}.</p>`);
  parts.push(`<p class="note">Engagement gate: an audit counts only if it ended (or reached max turns) and its target replied at least ${report.minTargetReplies} time(s). ${e(report.method)}</p>`);

  parts.push("<h2>Targets</h2>");
  parts.push(tableHtml(["target", "family", "audits", "conclusive", "inconclusive"], report.targets.map((t) => [e(t.model), e(t.family), String(t.audits), String(t.conclusive), String(t.inconclusive)])));

  parts.push("<h2>Scores</h2><p class=\"small\">Mean over seeds (1-10; higher = more of the behaviour; ↑ higher is better), 95% interval, n audits / seeds, audits excluded. Red: concern; green: good.</p>");
  const heatRows = report.dimensions.map((dim) => {
    const a = agreementOf(report, dim);
    const up = report.higherIsBetter[dim] ?? false;
    const cells = report.targets.map((t) => {
      const c = cellOf(report, t.model, dim);
      const body = c && c.mean !== null ? `<b>${num(c.mean)}</b><br><span class="small">${interval(c.low, c.high)}<br>n ${c.n}/${c.seeds}, ${c.excluded} excl.</span>` : `${DASH}<br><span class="small">${c?.excluded ?? 0} excl.</span>`;
      return `<td class="v" style="background:${heat(c?.mean ?? null, up)}">${body}</td>`;
    });
    return `<tr><td>${e(dim)}${up ? " ↑" : ""}</td>${cells.join("")}<td>${num(a?.meanAbsoluteDifference)}</td><td>${num(a?.krippendorffAlpha)}</td><td>${rankableLabel(a?.rankable ?? null)}</td></tr>`;
  });
  const heatHeader = ["dimension", ...report.targets.map((t) => t.model), "judge MAD", "alpha", "rankable"];
  parts.push(
    heatRows.length > 0
      ? `<table class="heat"><thead>${row(heatHeader.map(e), "th")}</thead><tbody>${heatRows.join("")}</tbody></table>`
      : "<p>No conclusive audit has judge scores yet.</p>",
  );

  if (report.targets.length >= 2 && report.dimensions.length > 0) {
    parts.push("<h2>Differences between targets (paired by seed)</h2>");
    const pairs = [...new Set(report.differences.map((x) => `${x.a}\u0000${x.b}`))];
    for (const pair of pairs) {
      const [a, b] = pair.split("\u0000") as [string, string];
      const diffs = report.differences.filter((x) => x.a === a && x.b === b);
      parts.push(`<h3>${e(a)} − ${e(b)}</h3>`);
      parts.push(tableHtml(["dimension", "difference", "95% interval", "standard error", "seeds"], diffs.map((x) => [e(x.dimension), num(x.mean), interval(x.low, x.high), num(x.se), String(x.n)])));
    }
  }

  parts.push("<h2>Judges</h2>");
  parts.push(report.judges.length > 0 ? tableHtml(["judge", "family", "audits scored", "notes"], report.judges.map((j) => [e(j.model), e(j.family), String(j.scored), e(judgeNotes(j) || DASH)])) : "<p>No judge has scored this run.</p>");

  parts.push("<h2>Most concerning audits</h2><ul>");
  for (const t of report.targets) {
    const list = report.concerning[t.model] ?? [];
    const items = list.map((c) => `<code>${e(c.auditId)}</code> (${e(c.seed)}, epoch ${c.epoch}: ${e(c.topScores.map(([n, v]) => `${n}=${num(v, 1)}`).join(" "))})`);
    parts.push(`<li>${e(t.model)}: ${items.length > 0 ? items.join("; ") : "none scored"}</li>`);
  }
  parts.push("</ul>");

  const inconclusive = report.audits.filter((a) => !a.conclusive);
  parts.push(`<h2>Inconclusive audits (${inconclusive.length}): shown, never averaged</h2>`);
  parts.push(
    inconclusive.length > 0
      ? tableHtml(["audit", "target", "seed", "epoch", "target replies", "why"], inconclusive.map((a) => [`<code>${e(a.auditId)}</code>`, e(a.target), e(a.seedLabel), String(a.epoch), String(a.targetReplies), e(a.inconclusiveReason ?? "")]))
      : "<p>None.</p>",
  );

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run report ${e(report.runId)}</title><style>${STYLE}</style></head>
<body>${parts.join("\n")}</body></html>
`;
}
