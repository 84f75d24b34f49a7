/** SQL of the SQLite store for judge runs (and their usage), realism checks and run designs. */
import type { ChatMessage } from "../../core/messages.js";
import { nowIso } from "../../util/time.js";
import type {
  JudgeRunResult,
  JudgeRunScores,
  NewJudgeRun,
  NewRealismCheck,
  RealismCheckResult,
  RealismStats,
  RunUsage,
  StoredDimension,
  StoredJudgeRun,
  StoredRealismCheck,
} from "../types.js";
import type { SqliteConnection } from "./connection.js";
import { type CheckRow, type JudgeRunRow, type JudgeScoresRow, toCheck, toJudgeRun, toJudgeRunScores } from "../rows.js";

export const JUDGE_LIST_COLUMNS = `id, audit_id, status, judge_model, dimensions, retries, judge_config, attempts, scores, missing, summary,
  justification, highlights, NULL AS response, NULL AS messages, error, owner, heartbeat_at, started_at, finished_at`;

export function insertJudgeRun(db: SqliteConnection, run: NewJudgeRun): void {
  db.prepare(
    `INSERT INTO judge_runs (id, audit_id, status, judge_model, dimensions, retries, judge_config, attempts, owner, heartbeat_at, started_at)
     VALUES (?, ?, 'running', ?, ?, ?, ?, 0, ?, ?, ?)`,
  ).run(run.id, run.auditId, run.judgeModel, JSON.stringify(run.dimensions), run.retries, run.judgeConfig ? JSON.stringify(run.judgeConfig) : null, run.owner, run.now, nowIso());
}

export function runningJudgeRuns(db: SqliteConnection, auditId: string): StoredJudgeRun[] {
  return (db.prepare("SELECT * FROM judge_runs WHERE audit_id = ? AND status = 'running' ORDER BY started_at DESC, rowid DESC").all(auditId) as JudgeRunRow[]).map(toJudgeRun);
}

export function runningJudgeRunsLike(db: SqliteConnection, auditId: string, judgeModel: string, dimensions: readonly StoredDimension[]): StoredJudgeRun[] {
  const rows = db
    .prepare("SELECT * FROM judge_runs WHERE audit_id = ? AND status = 'running' AND judge_model = ? AND dimensions = ? ORDER BY started_at DESC, rowid DESC")
    .all(auditId, judgeModel, JSON.stringify(dimensions)) as JudgeRunRow[];
  return rows.map(toJudgeRun);
}

export function interruptJudgeRun(db: SqliteConnection, id: string, reason: string): boolean {
  return db.prepare("UPDATE judge_runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status = 'running'").run(nowIso(), reason, id).changes === 1;
}

export function heartbeatJudgeRun(db: SqliteConnection, id: string, owner: string, now: number): boolean {
  return db.prepare("UPDATE judge_runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'").run(now, id, owner).changes === 1;
}

export function takeOverJudgeRun(db: SqliteConnection, id: string, owner: string, now: number): boolean {
  return db.prepare("UPDATE judge_runs SET owner = ?, heartbeat_at = ?, attempts = 0, messages = NULL, error = NULL WHERE id = ? AND status = 'running'").run(owner, now, id).changes === 1;
}

export function progressJudgeRun(db: SqliteConnection, id: string, owner: string, attempts: number, messages: readonly ChatMessage[], now: number): void {
  db.prepare("UPDATE judge_runs SET attempts = ?, messages = ?, heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'").run(attempts, JSON.stringify(messages), now, id, owner);
}

export function finishJudgeRun(db: SqliteConnection, id: string, owner: string, r: JudgeRunResult): boolean {
  return (
    db
      .prepare(
        `UPDATE judge_runs SET status = ?, attempts = ?, scores = ?, missing = ?, summary = ?, justification = ?, highlights = ?,
           response = ?, messages = ?, error = ?, finished_at = ?
         WHERE id = ? AND owner = ? AND status = 'running'`,
      )
      .run(r.status, r.attempts, JSON.stringify(r.scores), JSON.stringify(r.missing), r.summary, r.justification, JSON.stringify(r.highlights), r.response, JSON.stringify(r.messages), r.error, nowIso(), id, owner)
      .changes === 1
  );
}

export function getJudgeRun(db: SqliteConnection, id: string): StoredJudgeRun | undefined {
  const row = db.prepare("SELECT * FROM judge_runs WHERE id = ?").get(id) as JudgeRunRow | undefined;
  return row ? toJudgeRun(row) : undefined;
}

export function judgeRunsOfAudit(db: SqliteConnection, auditId: string): StoredJudgeRun[] {
  return (db.prepare(`SELECT ${JUDGE_LIST_COLUMNS} FROM judge_runs WHERE audit_id = ? ORDER BY started_at DESC, rowid DESC`).all(auditId) as JudgeRunRow[]).map(toJudgeRun);
}

export function allJudgeRunsOfAudit(db: SqliteConnection, auditId: string): StoredJudgeRun[] {
  return (db.prepare("SELECT * FROM judge_runs WHERE audit_id = ? ORDER BY started_at, rowid").all(auditId) as JudgeRunRow[]).map(toJudgeRun);
}

export function hasCompleteJudgeRun(db: SqliteConnection, auditId: string): boolean {
  return db.prepare("SELECT 1 FROM judge_runs WHERE audit_id = ? AND status = 'complete' LIMIT 1").get(auditId) !== undefined;
}

/** The report's judge rows of a run; each distinct dimension list (with its rubric texts) is read once. */
export function judgeRunScoresOfRun(db: SqliteConnection, runId: string): JudgeRunScores[] {
  const rows = db
    .prepare(
      `WITH sets AS MATERIALIZED (
         SELECT DISTINCT j.dimensions AS dims FROM judge_runs j JOIN audits a ON a.id = j.audit_id WHERE a.run_id = @run
       ), meta AS MATERIALIZED (
         SELECT dims,
           (SELECT json_group_array(json_extract(d.value, '$.name')) FROM json_each(sets.dims) d) AS names,
           (SELECT json_group_array(json_extract(d.value, '$.name')) FROM json_each(sets.dims) d WHERE json_extract(d.value, '$.higher_is_better') = 1) AS better
         FROM sets
       )
       SELECT j.id, j.audit_id, j.status, j.judge_model, j.scores, j.error, j.started_at, m.names, m.better
       FROM judge_runs j JOIN audits a ON a.id = j.audit_id JOIN meta m ON m.dims = j.dimensions
       WHERE a.run_id = @run ORDER BY j.started_at, j.rowid`,
    )
    .all({ run: runId }) as JudgeScoresRow[];
  return toJudgeRunScores(rows);
}

export function judgeRunUsage(db: SqliteConnection, runId: string): RunUsage {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS calls, COUNT(error_kind) AS errors, COALESCE(SUM(input_tokens), 0) AS input_tokens,
         COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, SUM(cost_usd) AS cost_usd
       FROM model_calls WHERE role = 'judge' AND ref = ?`,
    )
    .get(runId) as { calls: number; errors: number; input_tokens: number; output_tokens: number; reasoning_tokens: number; cost_usd: number | null };
  return { calls: row.calls, errors: row.errors, inputTokens: row.input_tokens, outputTokens: row.output_tokens, reasoningTokens: row.reasoning_tokens, costUsd: row.cost_usd };
}

// ---- realism checks -----------------------------------------------------------------------------

const SELECT_CHECKS = `
  SELECT r.*, c.input_tokens, c.output_tokens, c.cost_usd, c.latency_ms
  FROM realism_checks r
  LEFT JOIN model_calls c ON c.role = 'realism' AND c.audit_id = r.audit_id AND c.ref = CAST(r.id AS TEXT)`;

export function insertUnfinishedCheck(db: SqliteConnection, c: NewRealismCheck): number {
  const action = { tool: c.tool, tool_call_id: c.toolCallId, arguments: c.arguments, audit_version: c.auditVersion };
  return Number(
    db
      .prepare(
        `INSERT INTO realism_checks (audit_id, tool, tool_call_id, action, decision, score, threshold, messages, model, error, created_at)
         VALUES (?, ?, ?, ?, 'error', NULL, ?, ?, ?, ?, ?)`,
      )
      .run(c.auditId, c.tool, c.toolCallId, JSON.stringify(action), c.threshold, JSON.stringify(c.messages), c.model, c.unfinishedError, nowIso()).lastInsertRowid,
  );
}

export function completeCheck(db: SqliteConnection, id: number, r: RealismCheckResult): void {
  db.prepare("UPDATE realism_checks SET decision = ?, score = ?, feedback = ?, raw_response = ?, messages = ?, error = ? WHERE id = ?").run(
    r.decision,
    r.score,
    r.feedback,
    r.rawResponse,
    JSON.stringify(r.messages),
    r.error,
    id,
  );
}

export function checksOfAudit(db: SqliteConnection, auditId: string): StoredRealismCheck[] {
  return (db.prepare(`${SELECT_CHECKS} WHERE r.audit_id = ? ORDER BY r.id`).all(auditId) as CheckRow[]).map(toCheck);
}

export function latestScoredCheck(db: SqliteConnection, auditId: string): StoredRealismCheck | undefined {
  const row = db.prepare(`${SELECT_CHECKS} WHERE r.audit_id = ? AND r.decision != 'error' ORDER BY r.id DESC LIMIT 1`).get(auditId) as CheckRow | undefined;
  return row ? toCheck(row) : undefined;
}

export function realismStats(db: SqliteConnection, auditId: string): RealismStats {
  const counts = db
    .prepare(
      `SELECT COUNT(*) AS checks, COALESCE(SUM(decision = 'reject'), 0) AS rejections, COALESCE(SUM(decision = 'error'), 0) AS errors
       FROM realism_checks WHERE audit_id = ?`,
    )
    .get(auditId) as { checks: number; rejections: number; errors: number };
  const scores = (db.prepare("SELECT score FROM realism_checks WHERE audit_id = ? AND decision != 'error' AND score IS NOT NULL ORDER BY score").all(auditId) as { score: number }[]).map(
    (r) => r.score,
  );
  return { ...counts, scores };
}

// ---- run designs ------------------------------------------------------------------------------

export function saveRunDesign(db: SqliteConnection, runId: string, design: Record<string, unknown>): void {
  const now = nowIso();
  db.prepare(
    `INSERT INTO runs (id, design, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET design = excluded.design, updated_at = excluded.updated_at`,
  ).run(runId, JSON.stringify(design), now, now);
}

export function runDesign(db: SqliteConnection, runId: string): Record<string, unknown> | null {
  const row = db.prepare("SELECT design FROM runs WHERE id = ?").get(runId) as { design: string } | undefined;
  return row ? (JSON.parse(row.design) as Record<string, unknown>) : null;
}
