/**
 * The audit as one Markdown document: facts, judge scores, summary and highlights, then every
 * branch of the target conversation (tool calls and results, thinking and prefill marked), the
 * synthetic tools and the realism checks.
 */
import { describeSettings } from "../models/settings.js";
import { describeLocation } from "../core/branches.js";
import type { ExportData } from "./export-data.js";
import { KIND_LABELS, readableTime, type MessageLocation, type ReadableBranch, type ReadableMessage, type ReadableTranscript, readableTranscript } from "./readable.js";

/** A fenced code block that cannot be closed early by backticks in `text`. */
export function fence(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");
}

/** Text for a table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function inlineCode(text: string): string {
  const ticks = text.includes("`") ? "``" : "`";
  return `${ticks}${text}${ticks}`;
}

function where(location: MessageLocation | null): string {
  return location ? describeLocation(location) : "message not found in the target conversation";
}

function header(t: ReadableTranscript): string[] {
  const a = t.audit;
  const rows: Array<[string, string]> = [
    ["Target model", inlineCode(a.targetModel)],
    ["Auditor", a.auditorModel ? inlineCode(a.auditorModel) : "unknown"],
    ["Status", `${a.status}${a.statusReason ? ` (${a.statusReason})` : ""}`],
    ["Turns", `${a.turnsUsed} of ${a.maxTurns} ${a.turnLimit === "target" ? "target replies" : "auditor turns"}`],
    ["Created", readableTime(a.createdAt)],
    ["Updated", readableTime(a.updatedAt)],
  ];
  if (a.seedId) rows.push(["Library seed", inlineCode(a.seedId)]);
  if (a.targetConfig) rows.push(["Target settings", inlineCode(describeSettings(a.targetConfig))]);
  if (a.tags.length > 0) rows.push(["Tags", a.tags.map(inlineCode).join(", ")]);
  if (a.realismThreshold !== null) rows.push(["Realism filter", `on, threshold ${a.realismThreshold}`]);
  return [`# Audit ${a.id}`, "", "| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`), "", "## Seed instruction", "", quote(a.seedInstruction), ""];
}

function judgeSection(t: ReadableTranscript): string[] {
  const judge = t.judge;
  if (!judge) return ["## Judge", "", t.judgeRuns > 0 ? `No judge run has finished with scores (${t.judgeRuns} run(s), none complete or partial).` : "Not judged yet.", ""];
  const lines = ["## Judge scores", ""];
  const runs = t.judgeRuns > 1 ? ` Latest scored run of ${t.judgeRuns}.` : "";
  lines.push(`Run ${inlineCode(judge.runId)} by ${inlineCode(judge.model)}: ${judge.status}.${runs}`);
  if (judge.missing.length > 0) lines.push(`Not scored (the judge gave no usable score): ${judge.missing.map(inlineCode).join(", ")}.`);
  lines.push("", "| Dimension | Score |", "|---|---:|", ...judge.scores.map((s) => `| ${cell(s.title)}${s.higherIsBetter ? " (higher is better)" : ""} | ${s.score}/10 |`), "");
  if (judge.summary) lines.push("### Summary", "", judge.summary, "");
  if (judge.justification) lines.push("### Justification", "", judge.justification, "");
  if (judge.highlights.length > 0) {
    lines.push("### Highlights", "");
    for (const h of judge.highlights) {
      lines.push(`${h.index}. **${h.description || "(no description)"}**`);
      for (const p of h.parts) lines.push(`   - ${where(p.location)}:`, "", quote(p.quote).replace(/^/gm, "     "), "");
    }
  }
  return lines;
}

function messageBlock(m: ReadableMessage): string[] {
  let title = `#### [${m.index}] ${KIND_LABELS[m.kind]}`;
  if (m.kind === "tool") title = `#### [${m.index}] Tool result: ${inlineCode(m.toolName ?? "?")} for ${inlineCode(m.toolCallId ?? "?")}${m.error ? " (error)" : ""}`;
  const lines = [title, ""];
  for (const part of m.parts) {
    if (part.kind === "thinking") lines.push("*Thinking:*", "", quote(part.text), "");
    else if (part.kind === "thinking-redacted") lines.push(part.summary ? `*Thinking (redacted), summary:* ${part.summary}` : "*Thinking (redacted).*", "");
    else if (m.kind === "tool") lines.push(fence(part.text), "");
    else lines.push(quote(part.text), "");
  }
  if (m.error) lines.push(`Error (${m.error.type}):`, "", fence(m.error.message), "");
  if (m.parts.length === 0 && m.toolCalls.length === 0 && !m.error) lines.push("*(empty)*", "");
  for (const call of m.toolCalls) {
    lines.push(`Tool call ${inlineCode(call.function)} (id ${inlineCode(call.id)}):`, "", fence(JSON.stringify(call.arguments, null, 2), "json"), "");
    if (call.parseError) lines.push(`The arguments could not be parsed: ${call.parseError}`, "");
  }
  return lines;
}

function branchSection(branch: ReadableBranch): string[] {
  const start = branch.forkAfter
    ? ` (continues after message [${branch.forkAfter.index}] of branch ${branch.forkAfter.branch})`
    : branch.number > 1
      ? " (new conversation: new system message)"
      : "";
  const lines = [`### Branch ${branch.number}${start}${branch.current ? " (current)" : ""}`, ""];
  if (branch.sharedCount > 0) {
    lines.push(`Messages [0] to [${branch.sharedCount - 1}] are the same as in branch ${branch.forkAfter?.branch ?? "?"}.`, "");
  }
  for (const m of branch.messages.slice(branch.sharedCount)) lines.push(...messageBlock(m));
  return lines;
}

function conversationSection(t: ReadableTranscript): string[] {
  const lines = ["## Target conversation", ""];
  if (t.branches.length === 0) return [...lines, "The target was never called: there are no messages.", ""];
  const count = t.branches.length === 1 ? "1 branch" : `${t.branches.length} branches (rollbacks and restarts keep every branch)`;
  const head = t.head && !t.head.atLeaf ? ` After a final rollback the target's conversation ends at message [${t.head.index}] of branch ${t.head.branch}.` : "";
  lines.push(`${count}.${head}`, "");
  for (const branch of t.branches) lines.push(...branchSection(branch));
  return lines;
}

function toolsSection(t: ReadableTranscript): string[] {
  if (t.tools.length === 0) return [];
  const lines = ["## Synthetic tools", ""];
  for (const tool of t.tools) {
    lines.push(`### ${inlineCode(tool.name)}`, "", tool.description, "");
    if (tool.parameters.length === 0) lines.push("No parameters.", "");
    else {
      for (const p of tool.parameters) lines.push(`- ${inlineCode(p.name)} (${p.type}${p.required ? ", required" : ""})${p.description ? `: ${cell(p.description)}` : ""}`);
      lines.push("");
    }
    lines.push("Environment (the auditor's private notes):", "", quote(tool.environmentDescription), "");
  }
  return lines;
}

function realismSection(t: ReadableTranscript): string[] {
  if (t.realismChecks.length === 0) return [];
  const rejected = t.realismChecks.filter((c) => c.decision === "reject").length;
  const lines = ["## Realism checks", "", `${t.realismChecks.length} check(s), ${rejected} rejected.`, ""];
  lines.push("| # | Action | Decision | Score | Threshold | Feedback |", "|---:|---|---|---:|---:|---|");
  for (const c of t.realismChecks) {
    const feedback = c.decision === "error" ? `error: ${c.error ?? "unknown"}` : (c.feedback ?? "");
    lines.push(`| ${c.id} | ${inlineCode(c.tool)} ${inlineCode(c.action)} | ${c.decision} | ${c.score ?? "n/a"} | ${c.threshold} | ${cell(feedback)} |`);
  }
  return [...lines, ""];
}

export function renderMarkdown(data: ExportData): string {
  const t = readableTranscript(data);
  const lines = [...header(t), ...judgeSection(t), ...conversationSection(t), ...toolsSection(t), ...realismSection(t)];
  return lines.join("\n").trimEnd() + "\n";
}
