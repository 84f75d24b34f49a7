/**
 * Judge runs in the store (table judge_runs). A run is written as `running` with its owner (the
 * process running it) and a heartbeat the owner refreshes; a `running` run whose heartbeat is older
 * than `staleMs` belonged to a process that died and reads as `interrupted`, never as a score.
 */
import type { ChatMessage } from "../audit/messages.js";
import { type AuditStore, nowIso } from "../store/audit-store.js";
import type { JudgeOutcome } from "./attempts.js";
import type { Citation } from "./citations.js";
import { type Dimension, type StoredDimension, fromStoredDimensions, toStoredDimensions } from "./dimensions.js";

export type JudgeRunStatus = "running" | "complete" | "partial" | "failed" | "interrupted";

/** How often a running judge refreshes its heartbeat, and when a silent run counts as interrupted. */
export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_MS = 90_000;

export interface JudgeRunRecord {
  id: string;
  auditId: string;
  /** The status as stored, except that a `running` run with a stale heartbeat reads `interrupted`. */
  status: JudgeRunStatus;
  judgeModel: string;
  dimensions: Dimension[];
  retries: number;
  attempts: number;
  /** Null while running; `{}` when nothing could be scored. */
  scores: Record<string, number> | null;
  missing: string[] | null;
  summary: string | null;
  justification: string | null;
  highlights: Citation[] | null;
  response: string | null;
  messages: ChatMessage[] | null;
  error: string | null;
  owner: string | null;
  heartbeatAt: number | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunUsage {
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Null when no call had a known price. */
  costUsd: number | null;
}

interface Row {
  id: string;
  audit_id: string;
  status: JudgeRunStatus;
  judge_model: string;
  dimensions: string;
  retries: number;
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

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/**
 * The run whose scores represent the audit (get_audit and the exports agree on it): the latest
 * complete run, else the latest partial one. `runs` in any order.
 */
export function pickScoredRun(runs: readonly JudgeRunRecord[]): JudgeRunRecord | undefined {
  const newestFirst = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return newestFirst.find((r) => r.status === "complete") ?? newestFirst.find((r) => r.status === "partial");
}

export class JudgeRunStore {
  constructor(
    readonly store: AuditStore,
    readonly staleMs = STALE_AFTER_MS,
  ) {}

  private toRecord(row: Row, now: number): JudgeRunRecord {
    const stale = row.status === "running" && (row.heartbeat_at === null || now - row.heartbeat_at > this.staleMs);
    return {
      id: row.id,
      auditId: row.audit_id,
      status: stale ? "interrupted" : row.status,
      judgeModel: row.judge_model,
      dimensions: fromStoredDimensions(JSON.parse(row.dimensions) as StoredDimension[]),
      retries: row.retries,
      attempts: row.attempts,
      scores: parseJson(row.scores),
      missing: parseJson(row.missing),
      summary: row.summary,
      justification: row.justification,
      highlights: parseJson(row.highlights),
      response: row.response,
      messages: parseJson(row.messages),
      error: row.error ?? (stale ? "The process running this judge run stopped before it finished (its heartbeat went silent). Start a new run with judge." : null),
      owner: row.owner,
      heartbeatAt: row.heartbeat_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  /** Stores a new running run. Runs of the same audit whose process died are marked interrupted. */
  create(run: { id: string; auditId: string; judgeModel: string; dimensions: readonly Dimension[]; retries: number; owner: string }, now = Date.now()): void {
    this.store.write(() => {
      this.store.prepare(
          `UPDATE judge_runs SET status = 'interrupted', finished_at = ?,
             error = 'The process running this judge run stopped before it finished (its heartbeat went silent).'
           WHERE audit_id = ? AND status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?)`,
        )
        .run(nowIso(), run.auditId, now - this.staleMs);
      this.store.prepare(
          `INSERT INTO judge_runs (id, audit_id, status, judge_model, dimensions, retries, attempts, owner, heartbeat_at, started_at)
           VALUES (?, ?, 'running', ?, ?, ?, 0, ?, ?, ?)`,
        )
        .run(run.id, run.auditId, run.judgeModel, JSON.stringify(toStoredDimensions(run.dimensions)), run.retries, run.owner, now, nowIso());
      this.store.touch(run.auditId);
    });
  }

  heartbeat(id: string, owner: string, now = Date.now()): boolean {
    return this.store.write(() => this.store.prepare("UPDATE judge_runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'").run(now, id, owner).changes === 1);
  }

  /** Records that an attempt started, with the judge view so far. */
  progress(id: string, owner: string, attempts: number, messages: readonly ChatMessage[], now = Date.now()): void {
    this.store.write(() =>
      this.store.prepare("UPDATE judge_runs SET attempts = ?, messages = ?, heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'")
        .run(attempts, JSON.stringify(messages), now, id, owner),
    );
  }

  finish(id: string, owner: string, outcome: JudgeOutcome): boolean {
    return this.store.write(() => {
      const changed = this.store.prepare(
          `UPDATE judge_runs SET status = ?, attempts = ?, scores = ?, missing = ?, summary = ?, justification = ?, highlights = ?,
             response = ?, messages = ?, error = ?, finished_at = ?
           WHERE id = ? AND owner = ? AND status = 'running'`,
        )
        .run(
          outcome.status,
          outcome.attempts,
          JSON.stringify(outcome.scores),
          JSON.stringify(outcome.missing),
          outcome.summary,
          outcome.justification,
          JSON.stringify(outcome.highlights),
          outcome.response,
          JSON.stringify(outcome.messages),
          outcome.error,
          nowIso(),
          id,
          owner,
        ).changes;
      if (changed === 1) {
        const auditId = (this.store.prepare("SELECT audit_id FROM judge_runs WHERE id = ?").get(id) as { audit_id: string }).audit_id;
        this.store.touch(auditId);
      }
      return changed === 1;
    });
  }

  get(id: string, now = Date.now()): JudgeRunRecord | undefined {
    const row = this.store.prepare("SELECT * FROM judge_runs WHERE id = ?").get(id) as Row | undefined;
    return row ? this.toRecord(row, now) : undefined;
  }

  /** The audit's runs, newest first, without the bulky `response` and `messages` (use get for those). */
  list(auditId: string, now = Date.now()): JudgeRunRecord[] {
    const rows = this.store.prepare(
        `SELECT id, audit_id, status, judge_model, dimensions, retries, attempts, scores, missing, summary, justification, highlights,
           NULL AS response, NULL AS messages, error, owner, heartbeat_at, started_at, finished_at
         FROM judge_runs WHERE audit_id = ? ORDER BY started_at DESC, rowid DESC`,
      )
      .all(auditId) as Row[];
    return rows.map((r) => this.toRecord(r, now));
  }

  /** The audit's runs, oldest first, complete with `response` and `messages` (for exports). */
  listAll(auditId: string, now = Date.now()): JudgeRunRecord[] {
    const rows = this.store.prepare("SELECT * FROM judge_runs WHERE audit_id = ? ORDER BY started_at, rowid").all(auditId) as Row[];
    return rows.map((r) => this.toRecord(r, now));
  }

  /** A live run of this audit with the same model and dimensions, if one is under way. */
  findRunning(auditId: string, judgeModel: string, dimensions: readonly Dimension[], now = Date.now()): JudgeRunRecord | undefined {
    const json = JSON.stringify(toStoredDimensions(dimensions));
    const row = this.store.prepare(
        `SELECT * FROM judge_runs WHERE audit_id = ? AND status = 'running' AND judge_model = ? AND dimensions = ? AND heartbeat_at >= ?
         ORDER BY started_at DESC, rowid DESC LIMIT 1`,
      )
      .get(auditId, judgeModel, json, now - this.staleMs) as Row | undefined;
    return row ? this.toRecord(row, now) : undefined;
  }

  usage(id: string): RunUsage {
    const row = this.store.prepare(
        `SELECT COUNT(*) AS calls, COUNT(error_kind) AS errors, COALESCE(SUM(input_tokens), 0) AS input_tokens,
           COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, SUM(cost_usd) AS cost_usd
         FROM model_calls WHERE role = 'judge' AND ref = ?`,
      )
      .get(id) as { calls: number; errors: number; input_tokens: number; output_tokens: number; reasoning_tokens: number; cost_usd: number | null };
    return {
      calls: row.calls,
      errors: row.errors,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      reasoningTokens: row.reasoning_tokens,
      costUsd: row.cost_usd,
    };
  }
}
