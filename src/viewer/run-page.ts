/**
 * The Runs pages: the list of runs, a run's target x dimension heat table (mean, n and a 95%
 * interval per cell), and two audits of the same seed side by side, aligned by turn.
 */
import { messageHtml } from "../transcript/html.js";
import { type ReadableMessage, type ReadableTranscript, readableTranscript } from "../transcript/readable.js";
import { defaultBranch } from "./conversation.js";
import type { AuditDetail, AuditRow, RunSummary } from "./data.js";
import { auditLink, clip, escapeHtml, page, query, statusBadge } from "./layout.js";
import { type Cell, type HeatDimension, heatTable, repeatedSeeds } from "./stats.js";

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
function cellClass(cell: Cell, dimension: HeatDimension): string {
  const level = Math.max(0, Math.min(9, Math.round(((cell.mean - 1) / 9) * 9)));
  return `${dimension.higherIsBetter ? "good" : "bad"}-${level}`;
}

function heatHtml(rows: readonly AuditRow[]): string {
  const table = heatTable(rows);
  if (table.dimensions.length === 0) return `<p class="muted">No audit of this run has judge scores yet.</p>`;
  const head = table.dimensions.map((d) => `<th scope="col" title="${escapeHtml(d.name)}${d.higherIsBetter ? " (higher is better)" : ""}">${escapeHtml(d.title)}</th>`).join("");
  const body = table.targets.map((target) => {
    const counts = table.audits.get(target)!;
    const cells = table.dimensions.map((d) => {
      const cell = table.cells.get(target)?.get(d.name);
      if (!cell) return `<td class="empty"><span class="muted">–</span></td>`;
      const interval = cell.low === null ? "" : `<span class="ci">${cell.low.toFixed(1)}–${cell.high!.toFixed(1)}</span>`;
      return `<td class="${cellClass(cell, d)}" title="mean ${cell.mean.toFixed(2)} over ${cell.n} audit(s)"><b>${cell.mean.toFixed(1)}</b> <span class="n">n=${cell.n}</span>${interval}</td>`;
    });
    return `<tr><th scope="row"><code>${escapeHtml(target)}</code><div class="sub">${counts.scored} of ${counts.total} scored</div></th>${cells.join("")}</tr>`;
  });
  return `<div class="heat-wrap"><table class="heat"><thead><tr><th scope="col">Target</th>${head}</tr></thead><tbody>${body.join("")}</tbody></table></div>
<p class="muted">Mean judge score (1–10) per target and dimension over the audits whose latest complete (else partial) judge run scored it; the small range is a 95% t interval of the mean. Failed runs and missing dimensions never count.</p>`;
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

export function runPage(runId: string, rows: readonly AuditRow[]): string {
  const body = `<h1>Run <code>${escapeHtml(runId)}</code></h1>
<p>${rows.length} audit${rows.length === 1 ? "" : "s"} · <a href="/${query({ run: runId })}">list them</a></p>
<section id="heat"><h2>Scores by target and dimension</h2>${heatHtml(rows)}</section>
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
