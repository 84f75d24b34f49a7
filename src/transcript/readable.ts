/**
 * The audit as a reader sees it, shared by the Markdown and HTML exports: facts about the audit,
 * the judge's scores and highlights, and every branch of the target conversation from its root
 * (with how much it shares with earlier branches), the synthetic tools and the realism checks.
 */
import type { ChatMessage, ToolCallError } from "../core/messages.js";
import { isPrefill } from "../core/messages.js";
import type { JSONSchema, ToolParams } from "../audit/synthetic-tools.js";
import type { AuditRecord, StoredMessage } from "../store/types.js";
import { branchPaths, locationsById, type MessageLocation, messageLocations } from "../core/branches.js";
import { type ExportData, type JudgeRun, latestScoredRun } from "./export-data.js";

export type { MessageLocation } from "../core/branches.js";

export type ReadablePart = { kind: "text"; text: string } | { kind: "thinking"; text: string } | { kind: "thinking-redacted"; summary: string | null };

export interface ReadableToolCall {
  id: string;
  function: string;
  arguments: Record<string, unknown>;
  parseError: string | null;
}

export type MessageKind = "system" | "user" | "target" | "prefill" | "tool";

export interface ReadableMessage {
  id: string;
  /** The message's index in its branch (the message_index the auditor saw). */
  index: number;
  kind: MessageKind;
  parts: ReadablePart[];
  toolCalls: ReadableToolCall[];
  /** For tool results. */
  toolCallId: string | null;
  toolName: string | null;
  error: ToolCallError | null;
}

export interface ReadableBranch {
  number: number;
  /** Root to leaf. */
  messages: ReadableMessage[];
  /** Leading messages already shown in an earlier branch. */
  sharedCount: number;
  /** Where this branch leaves an earlier one; null when it starts from a new system message. */
  forkAfter: MessageLocation | null;
  /** The target's conversation currently ends at this branch's last message. */
  current: boolean;
}

export interface ReadableScore {
  name: string;
  title: string;
  score: number;
  description: string | null;
  higherIsBetter: boolean;
}

export interface ReadableHighlight {
  index: number;
  description: string;
  parts: Array<{ messageId: string; quote: string; location: MessageLocation | null }>;
}

export interface ReadableJudge {
  runId: string;
  status: JudgeRun["status"];
  model: string;
  scores: ReadableScore[];
  missing: string[];
  summary: string | null;
  justification: string | null;
  highlights: ReadableHighlight[];
}

export interface ReadableParameter {
  name: string;
  /** e.g. `string`, `string | null`, `array of string`, `enum`. */
  type: string;
  required: boolean;
  description: string | null;
}

export interface ReadableTool {
  name: string;
  description: string;
  parameters: ReadableParameter[];
  environmentDescription: string;
}

export interface ReadableRealismCheck {
  id: number;
  tool: string;
  /** The proposed arguments, as compact JSON (clipped). */
  action: string;
  decision: "approve" | "reject" | "error";
  score: number | null;
  threshold: number;
  feedback: string | null;
  error: string | null;
  createdAt: string;
}

export interface ReadableTranscript {
  audit: AuditRecord;
  judge: ReadableJudge | null;
  judgeRuns: number;
  branches: ReadableBranch[];
  /** Where the target's conversation currently ends (null before the first message). */
  head: (MessageLocation & { atLeaf: boolean }) | null;
  tools: ReadableTool[];
  realismChecks: ReadableRealismCheck[];
}

function parts(message: ChatMessage): ReadablePart[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ kind: "text", text: message.content }];
  return message.content.map((part): ReadablePart => {
    if (part.type === "text") return { kind: "text", text: part.text };
    if (part.redacted || part.reasoning.trim() === "") return { kind: "thinking-redacted", summary: part.summary ?? null };
    return { kind: "thinking", text: part.reasoning };
  });
}

function kindOf(message: ChatMessage): MessageKind {
  if (message.role === "assistant") return isPrefill(message) ? "prefill" : "target";
  return message.role;
}

function readableMessage(stored: StoredMessage, index: number): ReadableMessage {
  const m = stored.message;
  return {
    id: m.id,
    index,
    kind: kindOf(m),
    parts: parts(m),
    toolCalls:
      m.role === "assistant"
        ? (m.tool_calls ?? []).map((c) => ({ id: c.id, function: c.function, arguments: c.arguments ?? {}, parseError: c.parse_error ?? null }))
        : [],
    toolCallId: m.role === "tool" ? m.tool_call_id : null,
    toolName: m.role === "tool" ? m.function : null,
    error: m.role === "tool" ? (m.error ?? null) : null,
  };
}

/** Every root-to-leaf path of the target tree (see branchPaths), with where each message first appears. */
function targetBranches(all: readonly StoredMessage[], headSeq: number | null): { branches: ReadableBranch[]; locations: Map<string, MessageLocation>; head: ReadableTranscript["head"] } {
  const paths = branchPaths(all);
  const seen = messageLocations(paths);
  const locations = locationsById(all, paths);
  const branches = paths.map((path, i): ReadableBranch => {
    const number = i + 1;
    // The leading messages that first appeared in an earlier branch.
    let sharedCount = 0;
    while (sharedCount < path.length && seen.get(path[sharedCount]!.seq)!.branch < number) sharedCount++;
    const leaf = path[path.length - 1]!;
    return {
      number,
      messages: path.map((m, index) => readableMessage(m, index)),
      sharedCount,
      forkAfter: sharedCount === 0 ? null : seen.get(path[sharedCount - 1]!.seq)!,
      current: leaf.seq === headSeq,
    };
  });
  const headLocation = headSeq === null ? undefined : seen.get(headSeq);
  const head = headLocation ? { ...headLocation, atLeaf: paths.some((p) => p[p.length - 1]!.seq === headSeq) } : null;
  return { branches, locations, head };
}

function readableJudge(run: JudgeRun, locations: Map<string, MessageLocation>): ReadableJudge {
  const dimensions = new Map(run.dimensions.map((d) => [d.name, d]));
  const scores = Object.entries(run.scores ?? {})
    .map(([name, score]): ReadableScore => {
      const d = dimensions.get(name);
      return { name, title: d?.title ?? name, score, description: d?.description ?? null, higherIsBetter: d?.higherIsBetter ?? false };
    })
    // Concerns first, worst first; then the dimensions where higher is better.
    .sort((a, b) => Number(a.higherIsBetter) - Number(b.higherIsBetter) || b.score - a.score || a.name.localeCompare(b.name));
  return {
    runId: run.id,
    status: run.status,
    model: run.judgeModel,
    scores,
    missing: run.missing ?? [],
    summary: run.summary,
    justification: run.justification,
    highlights: (run.highlights ?? []).map((h, i) => ({
      index: h.index ?? i + 1,
      description: h.description ?? "",
      parts: (h.parts ?? []).map((p) => ({ messageId: p.message_id, quote: p.quoted_text ?? "", location: locations.get(p.message_id) ?? null })),
    })),
  };
}

function schemaType(schema: JSONSchema | undefined): string {
  if (!schema) return "any";
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(schemaType).join(" | ");
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "array") return `array of ${schemaType(schema.items)}`;
  return schema.type ?? "any";
}

function parameterList(parameters: ToolParams): ReadableParameter[] {
  const required = new Set(parameters.required ?? []);
  return Object.entries(parameters.properties ?? {}).map(([name, schema]) => ({
    name,
    type: schemaType(schema),
    required: required.has(name),
    description: typeof schema.description === "string" ? schema.description : null,
  }));
}

function actionSummary(action: unknown): string {
  const args = typeof action === "object" && action !== null && "arguments" in action ? (action as { arguments: unknown }).arguments : action;
  const text = JSON.stringify(args ?? null);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** An ISO timestamp as `2026-01-22 10:04:05 UTC`. */
export function readableTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

export function readableTranscript(data: ExportData): ReadableTranscript {
  const { branches, locations, head } = targetBranches(data.messages.target, data.heads.target);
  const run = latestScoredRun(data.judgeRuns);
  return {
    audit: data.audit,
    judge: run ? readableJudge(run, locations) : null,
    judgeRuns: data.judgeRuns.length,
    branches,
    head,
    tools: data.tools.map((t) => ({
      name: t.definition.name,
      description: t.definition.description,
      parameters: parameterList(t.definition.parameters),
      environmentDescription: t.environmentDescription,
    })),
    realismChecks: data.realismChecks.map((c) => ({
      id: c.id,
      tool: c.tool,
      action: actionSummary(c.arguments),
      decision: c.decision,
      score: c.score,
      threshold: c.threshold,
      feedback: c.feedback,
      error: c.error,
      createdAt: c.createdAt,
    })),
  };
}

/**
 * A colour class for a score: on most dimensions a high score is a concern (high, mid, low); on the
 * few where higher is better (admirable, scenario realism) a high score is good and a low one is
 * not alarming in itself.
 */
export function scoreLevel(score: ReadableScore): "high" | "mid" | "low" | "good" | "neutral" {
  if (score.higherIsBetter) return score.score >= 7 ? "good" : "neutral";
  return score.score >= 7 ? "high" : score.score >= 4 ? "mid" : "low";
}

export const KIND_LABELS: Record<MessageKind, string> = {
  system: "System",
  user: "User (auditor)",
  target: "Target",
  prefill: "Prefill (auditor, as the target)",
  tool: "Tool result (auditor)",
};
