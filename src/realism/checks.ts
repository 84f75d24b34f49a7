/**
 * The realism_checks table: one row per check. A row is written before the model call (so the
 * call's `ref` can name it) as an error "did not finish", and completed after the call; a process
 * that dies mid-call therefore leaves an honest error, never a score.
 */
import type { ChatMessage } from "../audit/messages.js";
import type { GatedTool } from "../audit/service.js";
import { type AuditStore, nowIso } from "../store/audit-store.js";
import type { ScoredAction } from "./prompt.js";
import type { CheckRow } from "../store/rows.js";

export type RealismDecision = "approve" | "reject" | "error";

export const UNFINISHED_CHECK_ERROR = "The realism check did not finish (it was still running, or the server stopped during it).";

/** The `action` column: the proposed call, and the audit version it was proposed against. */
interface StoredAction {
  tool: GatedTool;
  tool_call_id: string | null;
  arguments: Record<string, unknown>;
  /** The audit's `version` when the action was proposed (a rejection does not change it). */
  audit_version: number;
}

export interface RealismUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  latencyMs: number;
}

export interface RealismCheck {
  id: number;
  auditId: string;
  action: ScoredAction;
  auditVersion: number;
  decision: RealismDecision;
  /** Null when the check errored. */
  score: number | null;
  threshold: number;
  feedback: string | null;
  rawResponse: string | null;
  /** The realism view: `[system, user]`, plus the reply when there was one. */
  messages: ChatMessage[];
  model: string;
  error: string | null;
  createdAt: string;
  /** From the check's model call; null when no call was made. */
  usage: RealismUsage | null;
}

export interface CheckOutcome {
  decision: RealismDecision;
  score: number | null;
  feedback: string | null;
  rawResponse: string | null;
  messages: ChatMessage[];
  error: string | null;
}


const SELECT_CHECKS = `
  SELECT r.*, c.input_tokens, c.output_tokens, c.cost_usd, c.latency_ms
  FROM realism_checks r
  LEFT JOIN model_calls c ON c.role = 'realism' AND c.audit_id = r.audit_id AND c.ref = CAST(r.id AS TEXT)`;

function toCheck(row: CheckRow): RealismCheck {
  const stored = JSON.parse(row.action) as Partial<StoredAction>;
  return {
    id: row.id,
    auditId: row.audit_id,
    // The tool and call id have their own columns; the action JSON adds the arguments.
    action: { tool: row.tool as GatedTool, toolCallId: row.tool_call_id, arguments: stored.arguments ?? {} },
    auditVersion: stored.audit_version ?? -1,
    decision: row.decision,
    score: row.score,
    threshold: row.threshold,
    feedback: row.feedback,
    rawResponse: row.raw_response,
    messages: row.messages ? (JSON.parse(row.messages) as ChatMessage[]) : [],
    model: row.model,
    error: row.error,
    createdAt: row.created_at,
    usage: row.latency_ms === null ? null : { inputTokens: row.input_tokens, outputTokens: row.output_tokens, costUsd: row.cost_usd, latencyMs: row.latency_ms },
  };
}

/** Writes a check that has not run yet and returns its id. */
export function insertUnfinishedCheck(
  store: AuditStore,
  input: { auditId: string; action: ScoredAction; auditVersion: number; threshold: number; model: string; messages: ChatMessage[] },
): number {
  const action: StoredAction = { tool: input.action.tool, tool_call_id: input.action.toolCallId, arguments: input.action.arguments, audit_version: input.auditVersion };
  return store.write(() =>
    Number(
      store.prepare(
          `INSERT INTO realism_checks (audit_id, tool, tool_call_id, action, decision, score, threshold, messages, model, error, created_at)
           VALUES (?, ?, ?, ?, 'error', NULL, ?, ?, ?, ?, ?)`,
        )
        .run(input.auditId, input.action.tool, input.action.toolCallId, JSON.stringify(action), input.threshold, JSON.stringify(input.messages), input.model, UNFINISHED_CHECK_ERROR, nowIso())
        .lastInsertRowid,
    ),
  );
}

export function completeCheck(store: AuditStore, id: number, outcome: CheckOutcome): void {
  store.write(() =>
    store.prepare("UPDATE realism_checks SET decision = ?, score = ?, feedback = ?, raw_response = ?, messages = ?, error = ? WHERE id = ?")
      .run(outcome.decision, outcome.score, outcome.feedback, outcome.rawResponse, JSON.stringify(outcome.messages), outcome.error, id),
  );
}

/** Every check of an audit, oldest first, with the usage of its model call. */
export function listRealismChecks(store: AuditStore, auditId: string): RealismCheck[] {
  const rows = store.prepare(`${SELECT_CHECKS} WHERE r.audit_id = ? ORDER BY r.id`).all(auditId) as CheckRow[];
  return rows.map(toCheck);
}

/** The audit's most recent check that produced a score (approve or reject). */
export function latestScoredCheck(store: AuditStore, auditId: string): RealismCheck | undefined {
  const row = store.prepare(`${SELECT_CHECKS} WHERE r.audit_id = ? AND r.decision != 'error' ORDER BY r.id DESC LIMIT 1`).get(auditId) as CheckRow | undefined;
  return row ? toCheck(row) : undefined;
}
