/**
 * The Audit page: facts, judge scores, summary and highlights (each linked to the span it cites),
 * the conversation (target branches, combined and auditor views on tabs), the synthetic tools,
 * realism checks, judge runs and model calls. Everything that changes while an audit runs sits in
 * one #live region that viewer.js refreshes from /audits/:id/fragment when the audit's version moves.
 */
import type { ModelCallRecord, RoleUsage } from "../store/types.js";
import { factsHtml, judgeTextHtml, realismHtml, scoresHtml, toolsHtml } from "../transcript/html.js";
import { readableTime, readableTranscript, type ReadableTranscript } from "../transcript/readable.js";
import { citationBranches, defaultBranch, tabsHtml, targetPanel, type ViewTab, viewPanel } from "./conversation.js";
import type { AuditDetail } from "./data.js";
import { MAX_MODEL_CALLS } from "./data.js";
import { cost, escapeHtml, page, query, statusBadge } from "./layout.js";

export interface AuditPageOptions {
  view: ViewTab;
  /** The target branch to show; default: the one the conversation currently ends in. */
  branch?: number;
}

function tokens(n: number | null | undefined): string {
  return n === null || n === undefined ? '<span class="muted">n/a</span>' : n.toLocaleString("en-US");
}

function usageHtml(usage: readonly RoleUsage[]): string {
  if (usage.length === 0) return '<p class="muted">No model calls yet.</p>';
  const rows = usage.map(
    (u) =>
      `<tr><th scope="row">${escapeHtml(u.role)}</th><td class="num">${u.calls}</td><td class="num">${u.errors}</td><td class="num">${tokens(u.inputTokens)}</td><td class="num">${tokens(u.outputTokens)}</td><td class="num">${tokens(u.reasoningTokens)}</td><td class="num">${cost(u.costUsd)}</td><td class="num">${(u.latencyMs / 1000).toFixed(1)} s</td></tr>`,
  );
  return `<table class="usage"><thead><tr><th scope="col">Role</th><th scope="col">Calls</th><th scope="col">Errors</th><th scope="col">Input tokens</th><th scope="col">Output tokens</th><th scope="col">Reasoning</th><th scope="col">Cost</th><th scope="col">Latency</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function callsHtml(calls: readonly ModelCallRecord[]): string {
  if (calls.length === 0) return "";
  const rows = calls.map(
    (c, i) =>
      `<tr${c.errorKind ? ' class="failed"' : ""}><td class="num">${i + 1}</td><td>${escapeHtml(c.role)}</td><td><code>${escapeHtml(c.model)}</code></td><td>${escapeHtml(readableTime(c.startedAt))}</td><td class="num">${(c.latencyMs / 1000).toFixed(2)} s</td><td class="num">${tokens(c.inputTokens)}</td><td class="num">${tokens(c.outputTokens)}</td><td class="num">${cost(c.costUsd ?? null)}</td><td>${c.errorKind ? `${escapeHtml(c.errorKind)}: ${escapeHtml(c.error ?? "")}` : ""}</td></tr>`,
  );
  const more = calls.length >= MAX_MODEL_CALLS ? `<p class="muted">The first ${MAX_MODEL_CALLS} calls.</p>` : "";
  // The summary text stays the same as calls come in, so live refresh keeps the fold as the reader left it.
  return `<details class="calls"><summary>Every model call</summary><table><thead><tr><th scope="col">#</th><th scope="col">Role</th><th scope="col">Model</th><th scope="col">Started</th><th scope="col">Latency</th><th scope="col">In</th><th scope="col">Out</th><th scope="col">Cost</th><th scope="col">Error</th></tr></thead><tbody>${rows.join("")}</tbody></table>${more}</details>`;
}

function judgeRunsHtml(detail: AuditDetail): string {
  const runs = detail.data.judgeRuns;
  if (runs.length === 0) return "";
  const rows = [...runs].reverse().map(
    (r) =>
      `<tr><td><code>${escapeHtml(r.id)}</code></td><td>${statusBadge(r.status)}</td><td><code>${escapeHtml(r.judgeModel)}</code></td><td class="num">${r.attempts}/${r.retries}</td><td>${escapeHtml(readableTime(r.startedAt))}</td><td>${r.missing && r.missing.length > 0 ? `missing ${escapeHtml(r.missing.join(", "))}` : ""}${r.error ? ` ${escapeHtml(r.error)}` : ""}</td></tr>`,
  );
  return `<section id="judge-runs"><h2>Judge runs</h2><table><thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Judge</th><th scope="col">Attempts</th><th scope="col">Started</th><th scope="col">Notes</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function conversationHtml(detail: AuditDetail, t: ReadableTranscript, options: AuditPageOptions): string {
  const id = t.audit.id;
  const panel = options.view === "target" ? targetPanel(id, t, options.branch ?? defaultBranch(t)) : viewPanel(detail.views[options.view], options.view);
  return `<section id="conversation"><h2>Conversation</h2>${tabsHtml(id, options.view)}<div class="view-panel" data-view="${options.view}">${panel}</div></section>`;
}

/**
 * The judge's summary, justification and highlights as the HTML export renders them, with each
 * highlight's link pointing at the branch that holds the cited message (`?branch=N#msg-…`), so it
 * works without JavaScript too; viewer.js then scrolls to the cited span itself.
 */
function judgeHtml(t: ReadableTranscript): string {
  const branches = citationBranches(t);
  const base = `/audits/${encodeURIComponent(t.audit.id)}`;
  return judgeTextHtml(t.judge).replace(/href="#(msg-[^"]+)"/g, (all, anchor: string) =>
    branches[anchor] === undefined ? all : `href="${base}${query({ branch: branches[anchor] })}#${anchor}"`,
  );
}

/** The part of the page that live refresh replaces. */
export function auditLive(detail: AuditDetail, options: AuditPageOptions): string {
  const t = readableTranscript(detail.data);
  const a = t.audit;
  const run = a.runId ? `<p>Run <a href="/runs/${encodeURIComponent(a.runId)}"><code>${escapeHtml(a.runId)}</code></a></p>` : "";
  const live = a.status === "active" ? ' <span class="live" title="This page refreshes itself while the audit runs">live</span>' : "";
  return `<h1>Audit <code>${escapeHtml(a.id)}</code> ${statusBadge(a.status)}${live}</h1>
${factsHtml(t)}${run}
${scoresHtml(t)}
${judgeHtml(t)}
<section id="seed"><h2>Seed instruction</h2><div class="text">${escapeHtml(a.seedInstruction)}</div></section>
${conversationHtml(detail, t, options)}
${toolsHtml(t)}
${realismHtml(t)}
${judgeRunsHtml(detail)}
<section id="usage"><h2>Model calls</h2>${usageHtml(detail.usage)}${callsHtml(detail.calls)}</section>`;
}

export function auditPage(detail: AuditDetail, options: AuditPageOptions): string {
  const a = detail.data.audit;
  const fragment = `/audits/${encodeURIComponent(a.id)}/fragment${query({ view: options.view === "target" ? undefined : options.view, branch: options.branch })}`;
  return page(`Audit ${a.id}`, `<div id="live" aria-live="off">${auditLive(detail, options)}</div>`, {
    section: "audits",
    data: { audit: a.id, version: String(a.version), fragment },
  });
}
