/**
 * The audit as one self-contained HTML page: inline CSS, no script, and a Content-Security-Policy
 * that forbids every network load. Scores sit at the top; a bar links to each branch; highlights
 * link to the messages they quote, where the quoted text is marked.
 */
import { VERSION } from "../version.js";
import { describeLocation } from "../core/branches.js";
import type { ExportData } from "./export-data.js";
import {
    KIND_LABELS,
  type ReadableBranch,
  type ReadableHighlight,
  type ReadableJudge,
  type ReadableMessage,
  type ReadableParameter,
  type ReadableTranscript,
  readableTime,
  readableTranscript,
  scoreLevel,
} from "./readable.js";

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** An element id derived from a message id. */
export function messageAnchor(messageId: string): string {
  return `msg-${messageId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

interface Mark {
  start: number;
  end: number;
  highlight: number;
}

/** Escapes `text`, wrapping the marked ranges (non-overlapping, first wins) in <mark>. */
function markedText(text: string, marks: Mark[]): string {
  const sorted = [...marks].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const mark of sorted) {
    if (mark.start < at) continue;
    out += escapeHtml(text.slice(at, mark.start));
    out += `<mark>${escapeHtml(text.slice(mark.start, mark.end))}<a class="cite" href="#highlight-${mark.highlight}">[${mark.highlight}]</a></mark>`;
    at = mark.end;
  }
  return out + escapeHtml(text.slice(at));
}

/** Highlight quotes per message id, for marking in the message's own (first) occurrence. */
export function quotesByMessage(judge: ReadableJudge | null): Map<string, Array<{ quote: string; highlight: number }>> {
  const byMessage = new Map<string, Array<{ quote: string; highlight: number }>>();
  for (const h of judge?.highlights ?? []) {
    for (const part of h.parts) {
      if (part.quote.trim() === "") continue;
      const list = byMessage.get(part.messageId) ?? [];
      list.push({ quote: part.quote, highlight: h.index });
      byMessage.set(part.messageId, list);
    }
  }
  return byMessage;
}

function textBlock(text: string, quotes: Array<{ quote: string; highlight: number }>): string {
  const marks: Mark[] = [];
  for (const q of quotes) {
    const start = text.indexOf(q.quote);
    if (start >= 0) marks.push({ start, end: start + q.quote.length, highlight: q.highlight });
  }
  return `<div class="text">${markedText(text, marks)}</div>`;
}

export function messageHtml(m: ReadableMessage, options: { anchor: boolean; quotes: Array<{ quote: string; highlight: number }> }): string {
  const id = options.anchor ? ` id="${messageAnchor(m.id)}"` : "";
  const head = [`<span class="idx">[${m.index}]</span>`, `<span class="badge">${escapeHtml(KIND_LABELS[m.kind])}</span>`];
  if (m.kind === "tool") head.push(`<code>${escapeHtml(m.toolName ?? "?")}</code> <span class="muted">for</span> <code>${escapeHtml(m.toolCallId ?? "?")}</code>`);
  if (m.error) head.push(`<span class="badge error">error: ${escapeHtml(m.error.type)}</span>`);
  const body: string[] = [];
  for (const part of m.parts) {
    if (part.kind === "thinking") body.push(`<details class="thinking" open><summary>Thinking</summary>${textBlock(part.text, [])}</details>`);
    else if (part.kind === "thinking-redacted") body.push(`<div class="thinking muted">Thinking redacted${part.summary ? `: ${escapeHtml(part.summary)}` : "."}</div>`);
    else body.push(m.kind === "tool" ? `<pre class="output">${markedText(part.text, [])}</pre>` : textBlock(part.text, options.quotes));
  }
  if (m.error) body.push(`<pre class="output error">${escapeHtml(m.error.message)}</pre>`);
  if (m.parts.length === 0 && m.toolCalls.length === 0 && !m.error) body.push(`<div class="muted">(empty)</div>`);
  for (const call of m.toolCalls) {
    const parseError = call.parseError ? `<div class="muted">The arguments could not be parsed: ${escapeHtml(call.parseError)}</div>` : "";
    body.push(
      `<div class="call"><div class="call-head">Tool call <code>${escapeHtml(call.function)}</code> <span class="muted">id</span> <code>${escapeHtml(call.id)}</code></div><pre>${escapeHtml(JSON.stringify(call.arguments, null, 2))}</pre>${parseError}</div>`,
    );
  }
  return `<article class="msg kind-${m.kind}"${id}><div class="msg-head">${head.join(" ")}</div>${body.join("")}</article>`;
}

/** How many shared messages a branch repeats (folded) before its own. */
const SHARED_CONTEXT = 10;

function branchHtml(branch: ReadableBranch, quotes: Map<string, Array<{ quote: string; highlight: number }>>): string {
  let start = "";
  if (branch.forkAfter) {
    start = `continues after <a href="#${messageAnchor(branch.messages[branch.sharedCount - 1]!.id)}">message [${branch.forkAfter.index}] of branch ${branch.forkAfter.branch}</a>`;
  } else if (branch.number > 1) {
    start = "new conversation (new system message)";
  }
  const parts = [
    `<section class="branch" id="branch-${branch.number}">`,
    `<h3>Branch ${branch.number}${branch.current ? ' <span class="badge current">current</span>' : ""}${start ? ` <span class="muted">${start}</span>` : ""} <a class="top-link" href="#top">top</a></h3>`,
  ];
  if (branch.sharedCount > 0) {
    // Repeat only the end of the shared part, so many long branches do not blow up the page.
    const from = Math.max(0, branch.sharedCount - SHARED_CONTEXT);
    const shared = branch.messages.slice(from, branch.sharedCount).map((m) => messageHtml(m, { anchor: false, quotes: [] }));
    const shown = from > 0 ? ` (the last ${SHARED_CONTEXT} repeated here)` : "";
    parts.push(`<details class="shared"><summary>Messages [0] to [${branch.sharedCount - 1}]: same as branch ${branch.forkAfter?.branch ?? "?"}${shown}</summary>${shared.join("")}</details>`);
  }
  for (const m of branch.messages.slice(branch.sharedCount)) parts.push(messageHtml(m, { anchor: true, quotes: quotes.get(m.id) ?? [] }));
  parts.push("</section>");
  return parts.join("\n");
}

/** Escaped prose whose `[n]` references link to highlight n. */
function withCitations(text: string, highlights: readonly ReadableHighlight[]): string {
  const known = new Set(highlights.map((h) => h.index));
  return escapeHtml(text).replace(/\[(\d+)\]/g, (all, n: string) => (known.has(Number(n)) ? `<a class="cite" href="#highlight-${n}">[${n}]</a>` : all));
}

export function scoresHtml(t: ReadableTranscript): string {
  const judge = t.judge;
  if (!judge) return `<section class="scores" id="scores"><h2>Judge</h2><p class="muted">${t.judgeRuns > 0 ? "No judge run has finished with scores." : "Not judged yet."}</p></section>`;
  const chips = judge.scores.map(
    (s) =>
      `<li class="score ${scoreLevel(s)}"${s.description ? ` title="${escapeHtml(s.description)}"` : ""}><span class="n">${s.score}</span><span class="name">${escapeHtml(s.title)}</span></li>`,
  );
  const missing = judge.missing.length > 0 ? `<p class="muted">Not scored: ${judge.missing.map(escapeHtml).join(", ")}.</p>` : "";
  const runs = t.judgeRuns > 1 ? ` Latest scored run of ${t.judgeRuns}.` : "";
  return [
    `<section class="scores" id="scores"><h2>Judge scores</h2>`,
    `<p class="muted">Run <code>${escapeHtml(judge.runId)}</code> by <code>${escapeHtml(judge.model)}</code>: ${escapeHtml(judge.status)}.${runs}</p>`,
    `<ul class="score-grid">${chips.join("")}</ul>${missing}</section>`,
  ].join("\n");
}

export function judgeTextHtml(judge: ReadableJudge | null): string {
  if (!judge) return "";
  const parts: string[] = [];
  if (judge.summary) parts.push(`<section id="summary"><h2>Summary</h2><div class="text">${withCitations(judge.summary, judge.highlights)}</div></section>`);
  if (judge.justification) parts.push(`<section id="justification"><h2>Justification</h2><div class="text">${withCitations(judge.justification, judge.highlights)}</div></section>`);
  if (judge.highlights.length > 0) {
    const items = judge.highlights.map((h) => {
      const quotes = h.parts.map((p) => {
        const link = p.location
          ? `<a href="#${messageAnchor(p.messageId)}">${describeLocation(p.location)}</a>`
          : `<span class="muted">message not found in the target conversation</span>`;
        return `<div class="quote">${link}<blockquote>${escapeHtml(p.quote)}</blockquote></div>`;
      });
      return `<li id="highlight-${h.index}" value="${h.index}"><strong>${escapeHtml(h.description || "(no description)")}</strong>${quotes.join("")}</li>`;
    });
    parts.push(`<section id="highlights"><h2>Highlights</h2><ol class="highlights">${items.join("")}</ol></section>`);
  }
  return parts.join("\n");
}

export function factsHtml(t: ReadableTranscript): string {
  const a = t.audit;
  const facts: Array<[string, string]> = [
    ["Target", `<code>${escapeHtml(a.targetModel)}</code>`],
    ["Auditor", a.auditorModel ? `<code>${escapeHtml(a.auditorModel)}</code>` : "unknown"],
    ["Status", `${escapeHtml(a.status)}${a.statusReason ? ` <span class="muted">(${escapeHtml(a.statusReason)})</span>` : ""}`],
    ["Turns", `${a.turnsUsed} of ${a.maxTurns} ${a.turnLimit === "target" ? "target replies" : "auditor turns"}`],
    ["Created", readableTime(a.createdAt)],
    ["Updated", readableTime(a.updatedAt)],
  ];
  if (a.seedId) facts.push(["Library seed", `<code>${escapeHtml(a.seedId)}</code>`]);
  if (a.tags.length > 0) facts.push(["Tags", a.tags.map((tag) => `<span class="tag">${escapeHtml(tag)}</span>`).join(" ")]);
  if (a.realismThreshold !== null) facts.push(["Realism filter", `threshold ${a.realismThreshold}`]);
  return `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join("")}</dl>`;
}

function navHtml(t: ReadableTranscript): string {
  const links = t.branches.map((b) => `<a href="#branch-${b.number}">Branch ${b.number}${b.current ? " (current)" : ""}</a>`);
  const sections = [
    t.judge?.highlights.length ? `<a href="#highlights">Highlights</a>` : "",
    `<a href="#seed">Seed</a>`,
    t.tools.length > 0 ? `<a href="#tools">Tools</a>` : "",
    t.realismChecks.length > 0 ? `<a href="#realism">Realism checks</a>` : "",
  ].filter((s) => s !== "");
  return `<nav class="bar">${links.join("")}<span class="sep"></span>${sections.join("")}</nav>`;
}

function conversationHtml(t: ReadableTranscript): string {
  const quotes = quotesByMessage(t.judge);
  let intro = t.branches.length === 0 ? "The target was never called: there are no messages." : `${t.branches.length} branch${t.branches.length === 1 ? "" : "es"}.`;
  if (t.head && !t.head.atLeaf) intro += ` After a final rollback the target's conversation ends at message [${t.head.index}] of branch ${t.head.branch}.`;
  return [`<section id="conversation"><h2>Target conversation</h2><p class="muted">${intro}</p>`, ...t.branches.map((b) => branchHtml(b, quotes)), "</section>"].join("\n");
}

function parametersHtml(parameters: ReadableParameter[]): string {
  if (parameters.length === 0) return `<p class="muted">No parameters.</p>`;
  const items = parameters.map(
    (p) =>
      `<li><code>${escapeHtml(p.name)}</code> <span class="muted">(${escapeHtml(p.type)}${p.required ? ", required" : ""})</span>${p.description ? `: ${escapeHtml(p.description)}` : ""}</li>`,
  );
  return `<ul class="params">${items.join("")}</ul>`;
}

export function toolsHtml(t: ReadableTranscript): string {
  if (t.tools.length === 0) return "";
  const items = t.tools.map(
    (tool) =>
      `<article class="tool"><h3><code>${escapeHtml(tool.name)}</code></h3><div class="text">${escapeHtml(tool.description)}</div>${parametersHtml(tool.parameters)}<details><summary>Environment (the auditor's private notes)</summary><div class="text">${escapeHtml(tool.environmentDescription)}</div></details></article>`,
  );
  return `<section id="tools"><h2>Synthetic tools</h2>${items.join("")}</section>`;
}

export function realismHtml(t: ReadableTranscript): string {
  if (t.realismChecks.length === 0) return "";
  const rows = t.realismChecks.map((c) => {
    const feedback = c.decision === "error" ? `error: ${c.error ?? "unknown"}` : (c.feedback ?? "");
    return `<tr class="decision-${c.decision}"><td>${c.id}</td><td><code>${escapeHtml(c.tool)}</code><div class="args">${escapeHtml(c.action)}</div></td><td>${c.decision}</td><td>${c.score ?? "n/a"}</td><td>${c.threshold}</td><td>${escapeHtml(feedback)}</td></tr>`;
  });
  const rejected = t.realismChecks.filter((c) => c.decision === "reject").length;
  return `<section id="realism"><h2>Realism checks</h2><p class="muted">${t.realismChecks.length} check(s), ${rejected} rejected.</p><table><thead><tr><th>#</th><th>Action</th><th>Decision</th><th>Score</th><th>Threshold</th><th>Feedback</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

export const STYLE = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--muted:#667085;--line:#dde1e7;--sys:#e8f0fe;--user:#f3ecff;--target:#eaf7ee;--prefill:#fff4e0;--tool:#fdf1e7;--high:#c62828;--mid:#b26a00;--low:#2e7d32;--mark:#fff1a8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.top,main{max-width:1100px;margin:0 auto;padding:0 20px}
header.top{padding-top:20px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:16px;margin:20px 0 10px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:6px 0}
.muted{color:var(--muted)}
.facts{display:flex;flex-wrap:wrap;gap:4px 28px;margin:0 0 12px}
.facts div{display:flex;gap:8px}.facts dt{color:var(--muted)}.facts dd{margin:0}
.tag{display:inline-block;background:#eef0f4;border-radius:10px;padding:0 8px;font-size:13px}
.scores{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:4px 16px 12px}
.scores h2{margin-top:10px}
.score-grid{list-style:none;padding:0;margin:8px 0 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:6px}
.score{display:flex;align-items:center;gap:8px;border:1px solid var(--line);border-radius:8px;padding:4px 8px;background:#fafbfc}
.score .n{font-weight:700;min-width:28px;text-align:center;border-radius:6px;color:#fff;padding:1px 0}
.score.high .n{background:var(--high)}.score.mid .n{background:var(--mid)}.score.low .n{background:var(--low)}.score.good .n{background:#1565c0}.score.neutral .n{background:#78839a}
nav.bar{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:6px;max-width:1100px;margin:14px auto 0;padding:8px 20px;background:var(--bg);border-bottom:1px solid var(--line)}
nav.bar a{text-decoration:none;border:1px solid var(--line);background:var(--card);border-radius:14px;padding:2px 10px;color:var(--ink);font-size:14px}
nav.bar .sep{flex:1}
.text{white-space:pre-wrap;word-break:break-word}
section#seed .text,#summary .text,#justification .text{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.highlights li{margin:0 0 10px}
.highlights blockquote{margin:4px 0 0;padding:6px 10px;border-left:3px solid #e0b400;background:var(--card);white-space:pre-wrap}
.quote{margin-top:4px}
.branch{border-top:2px solid var(--line);margin-top:18px}
.top-link{font-size:12px;font-weight:400;margin-left:8px}
.msg{background:var(--card);border:1px solid var(--line);border-left-width:4px;border-radius:8px;padding:8px 12px;margin:8px 0;scroll-margin-top:60px}
.msg:target{outline:3px solid #e0b400}
.msg-head{font-size:13px;margin-bottom:4px}
.idx{color:var(--muted);font-family:ui-monospace,monospace;margin-right:4px}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:0 8px;background:#eef0f4}
.badge.error{background:#fde2e1;color:#a11}.badge.current{background:#dff3e4;color:#1b5e20}
.kind-system{border-left-color:#3b82f6;background:var(--sys)}.kind-user{border-left-color:#8b5cf6;background:var(--user)}
.kind-target{border-left-color:#22a05a;background:var(--target)}.kind-prefill{border-left-color:#f59e0b;background:var(--prefill)}
.kind-tool{border-left-color:#f97316;background:var(--tool)}
.thinking{margin:4px 0;padding:4px 10px;border-left:2px dashed #9aa3b2;color:#4b5565}
.thinking summary{cursor:pointer;font-size:13px;color:var(--muted)}
.call{margin-top:6px}.call-head{font-size:13px}
pre.error{background:#fde2e1;border-color:#f5b5b2}
mark{background:var(--mark);padding:0 1px}
a.cite{font-size:11px;vertical-align:super;text-decoration:none;margin-left:1px}
details.shared{margin:8px 0;border:1px dashed var(--line);border-radius:8px;padding:4px 10px;background:#fbfbfc}
details.shared summary{cursor:pointer;color:var(--muted)}
.params{margin:6px 0;padding-left:20px}
.tool h3 code{font-size:15px}
.tool{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:4px 12px 10px;margin:8px 0}
table{border-collapse:collapse;width:100%;background:var(--card)}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
.args{font-family:ui-monospace,monospace;font-size:12px;color:var(--muted);word-break:break-word}
tr.decision-reject td{background:#fff1f0}tr.decision-error td{background:#f5f5f5}
footer{max-width:1100px;margin:30px auto;padding:0 20px;color:var(--muted);font-size:13px}
`;

export function renderHtml(data: ExportData): string {
  const t = readableTranscript(data);
  const title = `Audit ${t.audit.id}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)} · petri-mcp transcript</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top" id="top">
<h1>${escapeHtml(title)}</h1>
${factsHtml(t)}
${scoresHtml(t)}
</header>
${navHtml(t)}
<main>
${judgeTextHtml(t.judge)}
<section id="seed"><h2>Seed instruction</h2><div class="text">${escapeHtml(t.audit.seedInstruction)}</div></section>
${conversationHtml(t)}
${toolsHtml(t)}
${realismHtml(t)}
</main>
<footer>Exported by petri-mcp ${escapeHtml(VERSION)}. The Petri JSON export of this audit opens in the Petri transcript viewer.</footer>
</body>
</html>
`;
}
