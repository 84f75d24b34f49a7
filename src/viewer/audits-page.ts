/**
 * The Audits page: every audit in the store, newest first, filtered by status, tag, target, run
 * and text, paged.
 */
import { AUDIT_STATUSES, type AuditStatus } from "../store/types.js";
import { scoreLevel } from "../transcript/readable.js";
import type { AuditListFilter, AuditRow } from "./data.js";
import { auditLink, clip, cost, escapeHtml, page, query, statusBadge } from "./layout.js";

export const PAGE_SIZE = 50;
const STATUSES: readonly AuditStatus[] = AUDIT_STATUSES;

export interface AuditsQuery {
  status?: AuditStatus;
  tag?: string;
  target?: string;
  run?: string;
  q?: string;
  page: number;
}

/** The page's query from URL parameters; unknown or malformed values are ignored. */
export function auditsQuery(params: URLSearchParams): AuditsQuery {
  const text = (name: string) => {
    const value = params.get(name)?.trim();
    return value ? value.slice(0, 500) : undefined;
  };
  const status = params.get("status") as AuditStatus | null;
  const pageNumber = Number(params.get("page") ?? "1");
  return {
    status: status && STATUSES.includes(status) ? status : undefined,
    tag: text("tag"),
    target: text("target"),
    run: text("run"),
    q: text("q"),
    page: Number.isInteger(pageNumber) && pageNumber >= 1 && pageNumber <= 1_000_000 ? pageNumber : 1,
  };
}

export function listFilter(q: AuditsQuery): AuditListFilter {
  return { status: q.status, tag: q.tag, targetModel: q.target, runId: q.run, search: q.q, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE };
}

function topScores(row: AuditRow): string {
  const run = row.scoredRun;
  if (!run?.scores) return '<span class="muted">none</span>';
  const dims = new Map(run.dimensions.map((d) => [d.name, d]));
  const concerns = Object.entries(run.scores)
    .filter(([name]) => !(dims.get(name)?.higherIsBetter ?? false))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3);
  if (concerns.length === 0) return '<span class="muted">none</span>';
  return concerns
    .map(([name, score]) => {
      const title = dims.get(name)?.title ?? name;
      const level = scoreLevel({ name, title, score, description: null, higherIsBetter: false });
      return `<span class="chip ${level}" title="${escapeHtml(title)}"><b>${score}</b> ${escapeHtml(clip(title, 28))}</span>`;
    })
    .join(" ");
}

function judgeStatus(row: AuditRow): string {
  if (!row.latestRun) return '<span class="muted">not judged</span>';
  const latest = row.latestRun.status;
  const scored = row.scoredRun && row.scoredRun.id !== row.latestRun.id ? ` <span class="muted">(scores: ${row.scoredRun.status})</span>` : "";
  return `${statusBadge(latest)}${scored}`;
}

function rowHtml(row: AuditRow): string {
  const a = row.audit;
  const tags = a.tags.map((t) => `<span class="tag">${escapeHtml(t)}</span>`).join(" ");
  return `<tr>
<td class="seed">${auditLink(a.id, clip(a.seedInstruction, 140) || a.id)}<div class="sub"><code>${escapeHtml(a.id)}</code> ${tags}</div></td>
<td><code>${escapeHtml(a.targetModel)}</code></td>
<td>${statusBadge(a.status)}</td>
<td class="num">${a.turnsUsed}/${a.maxTurns}</td>
<td>${judgeStatus(row)}</td>
<td>${topScores(row)}</td>
<td class="num">${cost(row.costUsd)}</td>
</tr>`;
}

function filtersHtml(q: AuditsQuery): string {
  const options = ['<option value="">any</option>', ...STATUSES.map((s) => `<option value="${s}"${q.status === s ? " selected" : ""}>${s.replace("_", " ")}</option>`)];
  const input = (name: string, label: string, value: string | undefined, placeholder: string) =>
    `<label>${label} <input name="${name}" value="${escapeHtml(value ?? "")}" placeholder="${escapeHtml(placeholder)}"></label>`;
  return `<form class="filters" method="get" action="/" role="search" aria-label="Filter audits">
<label>Status <select name="status">${options.join("")}</select></label>
${input("tag", "Tag", q.tag, "e.g. whistleblowing")}
${input("target", "Target", q.target, "provider/model")}
${input("run", "Run", q.run, "run id")}
${input("q", "Text", q.q, "seed text or audit id")}
<button type="submit">Filter</button> <a href="/">Clear</a>
</form>`;
}

export function auditsPage(q: AuditsQuery, result: { rows: AuditRow[]; total: number }): string {
  const { rows, total } = result;
  const first = (q.page - 1) * PAGE_SIZE;
  const base = { status: q.status, tag: q.tag, target: q.target, run: q.run, q: q.q };
  const prev = q.page > 1 ? `<a rel="prev" href="/${query({ ...base, page: q.page - 1 })}">← Newer</a>` : "";
  const next = first + rows.length < total ? `<a rel="next" href="/${query({ ...base, page: q.page + 1 })}">Older →</a>` : "";
  const range = total === 0 ? "No audits match." : `${first + 1}–${first + rows.length} of ${total} audit${total === 1 ? "" : "s"}`;
  const table =
    rows.length === 0
      ? ""
      : `<table class="audits"><thead><tr><th scope="col">Seed</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Turns</th><th scope="col">Judge</th><th scope="col">Top scores</th><th scope="col">Cost</th></tr></thead>
<tbody>${rows.map(rowHtml).join("\n")}</tbody></table>`;
  const body = `<h1>Audits</h1>
${filtersHtml(q)}
<p class="range" aria-live="polite">${range}</p>
${table}
<nav class="pager" aria-label="Pages">${prev}${next}</nav>`;
  return page("Audits", body, { section: "audits" });
}
