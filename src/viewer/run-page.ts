/**
 * The Runs pages: the list of runs, a run's target x dimension heat table (the run report's mean,
 * n and 95% interval per cell, and each target's inconclusive audits), and two audits of the same seed side by side, aligned by turn.
 */
import { messageHtml } from "../transcript/html.js";
import { type ReadableMessage, type ReadableTranscript, readableTranscript } from "../transcript/readable.js";
import { defaultBranch } from "./conversation.js";
import type { RunReportData } from "../report/aggregate.js";
import type { AuditDetail, AuditRow, RunSummary, RunView } from "./data.js";
import { auditLink, clip, escapeHtml, page, query, statusBadge } from "./layout.js";

export function runsPage(runs: readonly RunSummary[]): string {
  const rows = runs.map(
    (r) => `<tr><td><a href="/runs/${encodeURIComponent(r.runId)}"><code>${escapeHtml(r.runId)}</code></a></td><td class="num">${r.audits}</td><td>${escapeHtml(r.firstCreatedAt.slice(0, 19).replace("T", " "))}</td><td>${escapeHtml(r.lastUpdatedAt.slice(0, 19).replace("T", " "))}</td></tr>`,
  );
  const body =
    runs.length === 0
      ? `<p class="muted">No runs yet. A run is a batch of audits started by <code>petri-mcp audit</code>.</p>`
      : `<table><thead><tr><th scope="col">Run</th><th scope="col">Audits</th><th scope="col">Started (UTC)</th><th scope="col">Last change (UTC)</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  return page("Runs", `<h1>Runs</h1>${body}`, { section: "runs" });
}

/** A cell's shade class: concerns go from white to red as the mean rises, good dimensions to blue. */
function cellClass(mean: number, higherIsBetter: boolean): string {
  const level = Math.max(0, Math.min(9, Math.round(((mean - 1) / 9) * 9)));
  return `${higherIsBetter ? "good" : "bad"}-${level}`;
}

/** Dimension titles from the rubrics the audits were judged with (the report knows names only). */
function dimensionTitles(rows: readonly AuditRow[]): Map<string, string> {
  const titles = new Map<string, string>();
  for (const { scoredRun, latestRun } of rows) for (const d of [...(scoredRun?.dimensions ?? []), ...(latestRun?.dimensions ?? [])]) titles.set(d.name, d.title);
  return titles;
}

/** The heat table of the run report's cells (src/report/aggregate.ts): one implementation of the numbers. */
function heatHtml(report: RunReportData, rows: readonly AuditRow[]): string {
  const titles = dimensionTitles(rows);
  const better = (name: string) => report.higherIsBetter[name] ?? false;
  const note = `Audits that did not finish or whose target replied fewer than ${report.minTargetReplies} time(s) are inconclusive: counted apart, never averaged.`;
  // Concerns first, then the dimensions where higher is better, each alphabetical.
  const dimensions = [...report.dimensions].sort((a, b) => Number(better(a)) - Number(better(b)) || a.localeCompare(b));
  const cells = new Map(report.cells.map((c) => [`${c.target}\u0000${c.dimension}`, c]));
  const head = dimensions.map((d) => `<th scope="col" title="${escapeHtml(d)}${better(d) ? " (higher is better)" : ""}">${escapeHtml(titles.get(d) ?? d)}</th>`).join("");
  const body = report.targets.map((target) => {
    const row = dimensions.map((d) => {
      const cell = cells.get(`${target.model}\u0000${d}`);
      if (!cell || cell.mean === null) return `<td class="empty"><span class="muted">–</span></td>`;
      const interval = cell.low === null ? "" : `<span class="ci">${cell.low.toFixed(1)}–${cell.high!.toFixed(1)}</span>`;
      const title = `mean ${cell.mean.toFixed(2)} over ${cell.seeds} seed(s), ${cell.n} audit(s)${cell.excluded ? `; ${cell.excluded} excluded` : ""}`;
      return `<td class="${cellClass(cell.mean, better(d))}" title="${title}"><b>${cell.mean.toFixed(1)}</b> <span class="n">n=${cell.n}</span>${interval}</td>`;
    });
    const inconclusive = target.inconclusive ? `, ${target.inconclusive} inconclusive` : "";
    return `<tr><th scope="row"><code>${escapeHtml(target.model)}</code><div class="sub">${target.conclusive} of ${target.audits} conclusive${inconclusive}</div></th>${row.join("")}</tr>`;
  });
  const empty = report.dimensions.length === 0 ? `<p class="muted">No conclusive audit of this run has judge scores yet.</p>` : "";
  return `${empty}<div class="heat-wrap"><table class="heat"><thead><tr><th scope="col">Target</th>${head}</tr></thead><tbody>${body.join("")}</tbody></table></div>
<p class="muted">Per target and dimension: the mean over seeds of each seed's mean jury-median score (1–10), n audits; the small range is the 95% t interval over seeds. ${escapeHtml(note)} Failed judge runs and missing dimensions never count. The full report: <code>petri-mcp report ${escapeHtml(report.runId)}</code>.</p>`;
}

/** Seeds run more than once in this run: candidates for the side-by-side view. */
function repeatedSeeds(rows: readonly AuditRow[]): Array<{ seed: string; audits: AuditRow[] }> {
  const bySeed = new Map<string, AuditRow[]>();
  for (const row of rows) bySeed.set(row.audit.seedInstruction, [...(bySeed.get(row.audit.seedInstruction) ?? []), row]);
  return [...bySeed].filter(([, list]) => list.length >= 2).map(([seed, list]) => ({ seed, audits: list }));
}

function compareHtml(rows: readonly AuditRow[]): string {
  const seeds = repeatedSeeds(rows);
  if (seeds.length === 0) return `<p class="muted">No seed was audited more than once in this run.</p>`;
  const items = seeds.map(({ seed, audits }) => {
    const options = (selected: number) =>
      audits.map((r, i) => `<option value="${escapeHtml(r.audit.id)}"${i === selected ? " selected" : ""}>${escapeHtml(r.audit.targetModel)} · ${escapeHtml(r.audit.id)}</option>`).join("");
    return `<li><div>${escapeHtml(clip(seed, 200))}</div><form method="get" action="/compare" class="compare-form"><label>Left <select name="a">${options(0)}</select></label> <label>Right <select name="b">${options(1)}</select></label> <button type="submit">Side by side</button></form></li>`;
  });
  return `<ul class="seeds">${items.join("")}</ul>`;
}

export function runPage({ report, rows }: RunView): string {
  const runId = report.runId;
  const body = `<h1>Run <code>${escapeHtml(runId)}</code></h1>
<p>${rows.length} audit${rows.length === 1 ? "" : "s"} · <a href="/${query({ run: runId })}">list them</a></p>
<section id="heat"><h2>Scores by target and dimension</h2>${heatHtml(report, rows)}</section>
<section id="compare"><h2>Same seed, side by side</h2>${compareHtml(rows)}</section>`;
  return page(`Run ${runId}`, body, { section: "runs" });
}

/** The messages the target's conversation holds now (its current branch up to the head). */
function currentMessages(t: ReadableTranscript): ReadableMessage[] {
  const branch = t.branches.find((b) => b.number === defaultBranch(t));
  if (!branch) return [];
  return t.head && !t.head.atLeaf ? branch.messages.slice(0, t.head.index + 1) : branch.messages;
}

/** Turn 0 holds what precedes the first auditor message; each later turn starts at one. */
export function turns(messages: readonly ReadableMessage[]): ReadableMessage[][] {
  const out: ReadableMessage[][] = [[]];
  for (const m of messages) {
    if (m.kind === "user") out.push([]);
    out[out.length - 1]!.push(m);
  }
  return out[0]!.length === 0 ? out.slice(1) : out;
}

export function comparePage(left: AuditDetail, right: AuditDetail): string {
  const sides = [left, right].map((d) => readableTranscript(d.data));
  const columns = sides.map((t) => turns(currentMessages(t)));
  const count = Math.max(...columns.map((c) => c.length));
  const header = sides
    .map((t) => `<th scope="col">${auditLink(t.audit.id)} <code>${escapeHtml(t.audit.targetModel)}</code> ${statusBadge(t.audit.status)}</th>`)
    .join("");
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const cells = columns.map((c) => `<td>${(c[i] ?? []).map((m) => messageHtml(m, { anchor: false, quotes: [] })).join("") || '<span class="muted">–</span>'}</td>`);
    rows.push(`<tr><th scope="row">Turn ${i + 1}</th>${cells.join("")}</tr>`);
  }
  const seedNote = sides[0]!.audit.seedInstruction === sides[1]!.audit.seedInstruction ? "" : `<p class="muted">These audits have different seed instructions.</p>`;
  const body = `<h1>Side by side</h1>
<section id="seed"><h2>Seed instruction</h2><div class="text">${escapeHtml(sides[0]!.audit.seedInstruction)}</div>${seedNote}</section>
<p class="muted">The current branch of each target conversation, aligned by turn (a turn starts at each auditor message).</p>
<table class="compare"><thead><tr><th scope="col">Turn</th>${header}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
  return page("Side by side", body, { section: "runs" });
}
