/**
 * The conversation panel of the audit page: the target conversation one branch at a time with a
 * switcher listing every rollback and restart (messages rendered by the HTML export's
 * messageHtml, highlights marked), and the combined and auditor views as they stand now.
 */
import { renderContent } from "../audit/format.js";
import type { ChatMessage } from "../core/messages.js";
import { isPrefill } from "../core/messages.js";
import type { StoredMessage } from "../store/types.js";
import { messageAnchor, messageHtml, quotesByMessage } from "../transcript/html.js";
import type { ReadableBranch, ReadableTranscript } from "../transcript/readable.js";
import { escapeHtml, query } from "./layout.js";

export type ViewTab = "target" | "combined" | "auditor";
export const VIEW_TABS: readonly ViewTab[] = ["target", "combined", "auditor"];

const TAB_LABELS: Record<ViewTab, string> = { target: "Target", combined: "Combined", auditor: "Auditor" };

/** The branch shown by default: the one the target's conversation currently ends in. */
export function defaultBranch(t: ReadableTranscript): number {
  return t.head?.branch ?? t.branches.find((b) => b.current)?.number ?? t.branches.length;
}

function branchOrigin(b: ReadableBranch): string {
  if (b.forkAfter) return `rollback to [${b.forkAfter.index}] of branch ${b.forkAfter.branch}`;
  return b.number === 1 ? "first conversation" : "restart: new system message";
}

export function tabsHtml(auditId: string, selected: ViewTab): string {
  const tabs = VIEW_TABS.map(
    (tab) =>
      `<a href="/audits/${encodeURIComponent(auditId)}${query({ view: tab === "target" ? undefined : tab })}"${tab === selected ? ' aria-current="page"' : ""} data-view="${tab}">${TAB_LABELS[tab]}</a>`,
  );
  return `<nav class="tabs" aria-label="Conversation views">${tabs.join("")}</nav>`;
}

function switcherHtml(auditId: string, t: ReadableTranscript, selected: number): string {
  const items = t.branches.map((b) => {
    const own = b.messages.length - b.sharedCount;
    const current = b.current || t.head?.branch === b.number ? ' <span class="badge current">current</span>' : "";
    const href = `/audits/${encodeURIComponent(auditId)}${query({ branch: b.number })}`;
    return `<li><a href="${href}" data-branch="${b.number}"${b.number === selected ? ' aria-current="true"' : ""}><b>Branch ${b.number}</b>${current}<span class="sub">${escapeHtml(branchOrigin(b))} · ${own} new message${own === 1 ? "" : "s"}</span></a></li>`;
  });
  return `<nav class="branches" aria-label="Branches of the target conversation"><ol>${items.join("")}</ol></nav>`;
}

function branchBody(t: ReadableTranscript, branch: ReadableBranch): string {
  const quotes = quotesByMessage(t.judge);
  const render = (i: number) => messageHtml(branch.messages[i]!, { anchor: true, quotes: quotes.get(branch.messages[i]!.id) ?? [] });
  const parts: string[] = [];
  if (branch.sharedCount > 0) {
    const shared = branch.messages.slice(0, branch.sharedCount).map((_, i) => render(i));
    parts.push(
      `<details class="shared" open><summary>Messages [0] to [${branch.sharedCount - 1}], shared with branch ${branch.forkAfter?.branch ?? "?"}</summary>${shared.join("")}</details>`,
      `<p class="fork" role="note">Branch ${branch.number} starts here (${escapeHtml(branchOrigin(branch))}).</p>`,
    );
  }
  for (let i = branch.sharedCount; i < branch.messages.length; i++) parts.push(render(i));
  if (t.head?.branch === branch.number && !t.head.atLeaf) {
    parts.push(`<p class="fork" role="note">After a rollback, the target's conversation now ends at message [${t.head.index}].</p>`);
  }
  return parts.join("\n");
}

/** Where each cited message first appears: message anchor -> branch number. */
export function citationBranches(t: ReadableTranscript): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of t.judge?.highlights ?? []) for (const p of h.parts) if (p.location) out[messageAnchor(p.messageId)] = p.location.branch;
  return out;
}

export function targetPanel(auditId: string, t: ReadableTranscript, selected: number): string {
  if (t.branches.length === 0) return `<p class="muted">The target was never called: there are no messages yet.</p>`;
  const branch = t.branches.find((b) => b.number === selected) ?? t.branches[t.branches.length - 1]!;
  return `${switcherHtml(auditId, t, branch.number)}
<section class="branch" id="branch-${branch.number}" data-branch="${branch.number}" aria-label="Branch ${branch.number}">
<h3>Branch ${branch.number} <span class="muted">of ${t.branches.length} · ${escapeHtml(branchOrigin(branch))}</span></h3>
${branchBody(t, branch)}
</section>`;
}

function sourceLabel(message: ChatMessage, view: ViewTab): string {
  const source = message.metadata?.source;
  if (message.role === "system") return "System (target)";
  if (message.role === "user") return "User (auditor, to the target)";
  if (message.role === "tool") return source === "Auditor" ? `Result of ${message.function} (to the auditor)` : `Tool result ${message.function} (auditor, to the target)`;
  if (isPrefill(message)) return "Prefill (auditor, as the target)";
  return source === "Auditor" || view === "auditor" ? "Auditor" : "Target";
}

function viewMessageHtml(stored: StoredMessage, view: ViewTab): string {
  const m = stored.message;
  const kind = m.role === "assistant" ? (m.metadata?.source === "Auditor" || view === "auditor" ? "auditor" : isPrefill(m) ? "prefill" : "target") : m.role;
  const body: string[] = [];
  const text = renderContent(m);
  if (text !== "") body.push(m.role === "tool" ? `<pre class="output">${escapeHtml(text)}</pre>` : `<div class="text">${escapeHtml(text)}</div>`);
  if (m.role === "tool" && m.error) body.push(`<pre class="output error">${escapeHtml(m.error.message)}</pre>`);
  for (const call of m.role === "assistant" ? (m.tool_calls ?? []) : []) {
    const shown = call.view?.content ?? JSON.stringify(call.arguments, null, 2);
    body.push(`<div class="call"><div class="call-head">${escapeHtml(call.view?.title ?? "Tool call")} <code>${escapeHtml(call.function)}</code></div><pre>${escapeHtml(shown)}</pre></div>`);
  }
  return `<article class="msg kind-${kind}"><div class="msg-head"><span class="idx">[${stored.depth}]</span> <span class="badge">${escapeHtml(sourceLabel(m, view))}</span></div>${body.join("")}</article>`;
}

export function viewPanel(messages: readonly StoredMessage[], view: ViewTab): string {
  if (messages.length === 0) return `<p class="muted">The ${view} view is empty${view === "auditor" ? " (the built-in runner and MCP clients record auditor calls here)" : ""}.</p>`;
  return `<section class="branch" aria-label="${TAB_LABELS[view]} view"><p class="muted">The current branch of the ${view} view, ${messages.length} message${messages.length === 1 ? "" : "s"}.</p>${messages.map((m) => viewMessageHtml(m, view)).join("\n")}</section>`;
}
