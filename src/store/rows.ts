/**
 * Rows of audits, messages, judge_runs and realism_checks as both engines return them, and their
 * mapping to the records of the store interface (src/store/records.ts, src/store/types.ts).
 */
import type { ChatMessage } from "../core/messages.js";
import type { AuditRecord, AuditStatus, StoredMessage, TreeView, TurnLimit } from "./records.js";
import type { JudgeRunScores, JudgeRunStatus, RealismDecision, StoredDimension, StoredJudgeRun, StoredRealismCheck } from "./types.js";

export interface JudgeRunRow {
  id: string;
  audit_id: string;
  status: JudgeRunStatus;
  judge_model: string;
  dimensions: string;
  retries: number;
  judge_config: string | null;
  attempts: number;
  scores: string | null;
  missing: string | null;
  summary: string | null;
  justification: string | null;
  highlights: string | null;
  response: string | null;
  messages: string | null;
  error: string | null;
  owner: string | null;
  heartbeat_at: number | null;
  started_at: string;
  finished_at: string | null;
}

function json<T>(text: string | null | undefined): T | null {
  return text === null || text === undefined ? null : (JSON.parse(text) as T);
}

export function toJudgeRun(row: JudgeRunRow): StoredJudgeRun {
  return {
    id: row.id,
    auditId: row.audit_id,
    status: row.status,
    judgeModel: row.judge_model,
    dimensions: JSON.parse(row.dimensions) as StoredDimension[],
    retries: row.retries,
    judgeConfig: json(row.judge_config),
    attempts: row.attempts,
    scores: json(row.scores),
    missing: json(row.missing),
    summary: row.summary,
    justification: row.justification,
    highlights: json(row.highlights),
    response: row.response,
    messages: json(row.messages),
    error: row.error,
    owner: row.owner,
    heartbeatAt: row.heartbeat_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** A judge_runs row of a run report, its dimension names and higher-is-better names as JSON arrays. */
export interface JudgeScoresRow {
  id: string;
  audit_id: string;
  status: JudgeRunStatus;
  judge_model: string;
  scores: string | null;
  error: string | null;
  started_at: string;
  names: string;
  better: string;
}

/** Rows of a run report; runs with the same dimensions share their parsed lists. */
export function toJudgeRunScores(rows: readonly JudgeScoresRow[]): JudgeRunScores[] {
  const lists = new Map<string, string[]>();
  const list = (json: string) => lists.get(json) ?? (lists.set(json, JSON.parse(json) as string[]), lists.get(json)!);
  return rows.map((r) => ({
    id: r.id,
    auditId: r.audit_id,
    status: r.status,
    judgeModel: r.judge_model,
    scores: json(r.scores),
    error: r.error,
    startedAt: r.started_at,
    dimensions: list(r.names),
    higherIsBetter: list(r.better),
  }));
}

export interface CheckRow {
  id: number;
  audit_id: string;
  tool: string;
  tool_call_id: string | null;
  action: string;
  decision: RealismDecision;
  score: number | null;
  threshold: number;
  feedback: string | null;
  raw_response: string | null;
  messages: string | null;
  model: string;
  error: string | null;
  created_at: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number | null;
}

export function toCheck(row: CheckRow): StoredRealismCheck {
  const action = JSON.parse(row.action) as { arguments?: Record<string, unknown>; audit_version?: number };
  return {
    id: row.id,
    auditId: row.audit_id,
    tool: row.tool,
    toolCallId: row.tool_call_id,
    arguments: action.arguments ?? {},
    auditVersion: action.audit_version ?? -1,
    decision: row.decision,
    score: row.score,
    threshold: row.threshold,
    feedback: row.feedback,
    rawResponse: row.raw_response,
    messages: json<ChatMessage[]>(row.messages) ?? [],
    model: row.model,
    error: row.error,
    createdAt: row.created_at,
    usage: row.latency_ms === null ? null : { inputTokens: row.input_tokens, outputTokens: row.output_tokens, costUsd: row.cost_usd, latencyMs: row.latency_ms },
  };
}

export interface AuditRow {
  id: string;
  seed_instruction: string;
  seed_id: string | null;
  tags: string;
  target_model: string;
  auditor_model: string | null;
  max_turns: number;
  turns_used: number;
  turn_limit: TurnLimit;
  status: AuditStatus;
  status_reason: string | null;
  realism_threshold: number | null;
  realism_model: string | null;
  resources_dir: string | null;
  run_id: string | null;
  target_config: string | null;
  target_display_name?: string | null;
  max_cost_usd?: number | null;
  epoch?: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface MessageRow {
  seq: number;
  view: TreeView;
  parent_seq: number | null;
  depth: number;
  data: string;
  created_at: string;
}

export function toAudit(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    seedInstruction: row.seed_instruction,
    seedId: row.seed_id ?? null,
    tags: JSON.parse(row.tags) as string[],
    targetModel: row.target_model,
    auditorModel: row.auditor_model,
    maxTurns: row.max_turns,
    turnsUsed: row.turns_used,
    turnLimit: row.turn_limit,
    status: row.status,
    statusReason: row.status_reason,
    realismThreshold: row.realism_threshold,
    realismModel: row.realism_model,
    resourcesDir: row.resources_dir,
    runId: row.run_id,
    targetConfig: row.target_config ? (JSON.parse(row.target_config) as Record<string, unknown>) : null,
    targetDisplayName: row.target_display_name ?? null,
    maxCostUsd: row.max_cost_usd ?? null,
    epoch: row.epoch ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    seq: row.seq,
    view: row.view,
    parentSeq: row.parent_seq,
    depth: row.depth,
    message: JSON.parse(row.data) as ChatMessage,
    createdAt: row.created_at,
  };
}
