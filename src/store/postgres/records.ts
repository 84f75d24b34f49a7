/**
 * Model calls, judge runs, realism checks and run designs in PostgreSQL's dialect (the rest of the
 * session is in ./session.ts).
 */
import { insertSql, modelCallRow, pgPlaceholder } from "../inserts.js";
import { nowIso } from "../../util/time.js";
import { type CheckRow, type JudgeRunRow, type JudgeScoresRow, toCheck, toJudgeRun, toJudgeRunScores } from "../rows.js";
import type { ModelCallRecord, StoreSession } from "../types.js";
import { MESSAGES, NOT_PREFILL, type PgExec } from "./query.js";
import { pgRunStatus } from "./run-status.js";

const JUDGE_LIST = `id, audit_id, status, judge_model, dimensions, retries, judge_config, attempts, scores, missing, summary,
  justification, highlights, NULL AS response, NULL AS messages, error, owner, heartbeat_at, started_at, finished_at`;
const SELECT_CHECKS = `
  SELECT r.*, c.input_tokens, c.output_tokens, c.cost_usd, c.latency_ms
  FROM realism_checks r
  LEFT JOIN model_calls c ON c.role = 'realism' AND c.audit_id = r.audit_id AND c.ref = CAST(r.id AS TEXT)`;

function toModelCall(auditId: string, r: Record<string, any>): ModelCallRecord {
  return {
    auditId,
    role: r.role,
    model: r.model,
    startedAt: r.started_at,
    latencyMs: r.latency_ms,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheReadTokens: r.cache_read_tokens,
    cacheWriteTokens: r.cache_write_tokens,
    reasoningTokens: r.reasoning_tokens,
    costUsd: r.cost_usd,
    errorKind: r.error_kind,
    error: r.error,
    ref: r.ref,
  };
}

export function pgRecordRepos(exec: PgExec): Pick<StoreSession, "modelCalls" | "judgeRuns" | "realismChecks" | "runs"> {
  const { read, write } = exec;
  return {
    modelCalls: {
      record: (call) =>
        write(async (q) => {
          const row = modelCallRow(call);
          await q(insertSql(row, pgPlaceholder), row.values);
        }),
      forAudit: (auditId, limit = 1000) =>
        read(async (q) => {
          const { rows } = await q(
            `SELECT role, model, started_at, latency_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
               cost_usd, error_kind, error, ref FROM model_calls WHERE audit_id = $1 ORDER BY id LIMIT $2`,
            [auditId, limit],
          );
          return rows.map((r) => toModelCall(auditId, r));
        }),
      usageByRole: (auditId) =>
        read(async (q) => {
          const { rows } = await q(
            `SELECT role, COUNT(*) AS calls, COUNT(error_kind) AS errors,
               COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
               COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens, COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,
               COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, SUM(cost_usd) AS cost_usd, COALESCE(SUM(latency_ms), 0) AS latency_ms
             FROM model_calls WHERE audit_id = $1 GROUP BY role ORDER BY role COLLATE "C"`,
            [auditId],
          );
          return rows.map((r) => ({
            role: r.role,
            calls: r.calls,
            errors: r.errors,
            inputTokens: r.input_tokens,
            outputTokens: r.output_tokens,
            cacheReadTokens: r.cache_read_tokens,
            cacheWriteTokens: r.cache_write_tokens,
            reasoningTokens: r.reasoning_tokens,
            costUsd: r.cost_usd ?? null,
            latencyMs: r.latency_ms,
          }));
        }),
      usageOfJudgeRun: (runId) =>
        read(async (q) => {
          const r = (
            await q(
              `SELECT COUNT(*) AS calls, COUNT(error_kind) AS errors, COALESCE(SUM(input_tokens), 0) AS input_tokens,
                 COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, SUM(cost_usd) AS cost_usd
               FROM model_calls WHERE role = 'judge' AND ref = $1`,
              [runId],
            )
          ).rows[0];
          return { calls: r.calls, errors: r.errors, inputTokens: r.input_tokens, outputTokens: r.output_tokens, reasoningTokens: r.reasoning_tokens, costUsd: r.cost_usd };
        }),
    },
    judgeRuns: {
      insert: (run) =>
        write(
          async (q) =>
            void (await q(
              `INSERT INTO judge_runs (id, audit_id, status, judge_model, dimensions, retries, judge_config, attempts, owner, heartbeat_at, started_at)
               VALUES ($1, $2, 'running', $3, $4, $5, $6, 0, $7, $8, $9)`,
              [run.id, run.auditId, run.judgeModel, JSON.stringify(run.dimensions), run.retries, run.judgeConfig ? JSON.stringify(run.judgeConfig) : null, run.owner, run.now, nowIso()],
            )),
        ),
      running: (auditId) =>
        read(async (q) => ((await q(`SELECT * FROM judge_runs WHERE audit_id = $1 AND status = 'running' ORDER BY started_at COLLATE "C" DESC, ord DESC`, [auditId])).rows as JudgeRunRow[]).map(toJudgeRun)),
      runningLike: (auditId, model, dimensions) =>
        read(async (q) =>
          (
            (
              await q(`SELECT * FROM judge_runs WHERE audit_id = $1 AND status = 'running' AND judge_model = $2 AND dimensions = $3 ORDER BY started_at COLLATE "C" DESC, ord DESC`, [
                auditId,
                model,
                JSON.stringify(dimensions),
              ])
            ).rows as JudgeRunRow[]
          ).map(toJudgeRun),
        ),
      interrupt: (id, reason) =>
        write(async (q) => (await q("UPDATE judge_runs SET status = 'interrupted', finished_at = $1, error = $2 WHERE id = $3 AND status = 'running'", [nowIso(), reason, id])).rowCount === 1),
      heartbeat: (id, owner, now) => write(async (q) => (await q("UPDATE judge_runs SET heartbeat_at = $1 WHERE id = $2 AND owner = $3 AND status = 'running'", [now, id, owner])).rowCount === 1),
      takeOver: (id, owner, now) =>
        write(
          async (q) =>
            (await q("UPDATE judge_runs SET owner = $1, heartbeat_at = $2, attempts = 0, messages = NULL, error = NULL WHERE id = $3 AND status = 'running'", [owner, now, id])).rowCount === 1,
        ),
      progress: (id, owner, attempts, messages, now) =>
        write(
          async (q) =>
            void (await q("UPDATE judge_runs SET attempts = $1, messages = $2, heartbeat_at = $3 WHERE id = $4 AND owner = $5 AND status = 'running'", [
              attempts,
              JSON.stringify(messages),
              now,
              id,
              owner,
            ])),
        ),
      finish: (id, owner, r) =>
        write(
          async (q) =>
            (
              await q(
                `UPDATE judge_runs SET status = $1, attempts = $2, scores = $3, missing = $4, summary = $5, justification = $6, highlights = $7,
                   response = $8, messages = $9, error = $10, finished_at = $11
                 WHERE id = $12 AND owner = $13 AND status = 'running'`,
                [r.status, r.attempts, JSON.stringify(r.scores), JSON.stringify(r.missing), r.summary, r.justification, JSON.stringify(r.highlights), r.response, JSON.stringify(r.messages), r.error, nowIso(), id, owner],
              )
            ).rowCount === 1,
        ),
      get: (id) =>
        read(async (q) => {
          const row = (await q("SELECT * FROM judge_runs WHERE id = $1", [id])).rows[0];
          return row ? toJudgeRun(row as JudgeRunRow) : undefined;
        }),
      forAudit: (auditId) =>
        read(async (q) => ((await q(`SELECT ${JUDGE_LIST} FROM judge_runs WHERE audit_id = $1 ORDER BY started_at COLLATE "C" DESC, ord DESC`, [auditId])).rows as JudgeRunRow[]).map(toJudgeRun)),
      allForAudit: (auditId) =>
        read(async (q) => ((await q(`SELECT * FROM judge_runs WHERE audit_id = $1 ORDER BY started_at COLLATE "C", ord`, [auditId])).rows as JudgeRunRow[]).map(toJudgeRun)),
      hasComplete: (auditId) => read(async (q) => (await q("SELECT 1 FROM judge_runs WHERE audit_id = $1 AND status = 'complete' LIMIT 1", [auditId])).rows.length > 0),
      scoresOfRun: (runId) =>
        read(async (q) => {
          // Each distinct dimension list (with its rubric texts) is read once.
          const { rows } = await q(
            `WITH sets AS MATERIALIZED (
               SELECT DISTINCT j.dimensions AS dims FROM judge_runs j JOIN audits a ON a.id = j.audit_id WHERE a.run_id = $1
             ), meta AS MATERIALIZED (
               SELECT dims,
                 (SELECT coalesce(json_agg(d.value->>'name' ORDER BY d.n), '[]')::text FROM jsonb_array_elements(dims::jsonb) WITH ORDINALITY d(value, n)) AS names,
                 (SELECT coalesce(json_agg(d.value->>'name' ORDER BY d.n), '[]')::text FROM jsonb_array_elements(dims::jsonb) WITH ORDINALITY d(value, n)
                   WHERE d.value->'higher_is_better' = 'true'::jsonb) AS better
               FROM sets
             )
             SELECT j.id, j.audit_id, j.status, j.judge_model, j.scores, j.error, j.started_at, m.names, m.better
             FROM judge_runs j JOIN audits a ON a.id = j.audit_id JOIN meta m ON m.dims = j.dimensions
             WHERE a.run_id = $1 ORDER BY j.started_at COLLATE "C", j.ord`,
            [runId],
          );
          return toJudgeRunScores(rows as JudgeScoresRow[]);
        }),
    },
    realismChecks: {
      insertUnfinished: (c) =>
        write(async (q) => {
          const action = { tool: c.tool, tool_call_id: c.toolCallId, arguments: c.arguments, audit_version: c.auditVersion };
          const { rows } = await q(
            `INSERT INTO realism_checks (audit_id, tool, tool_call_id, action, decision, score, threshold, messages, model, error, created_at)
             VALUES ($1, $2, $3, $4, 'error', NULL, $5, $6, $7, $8, $9) RETURNING id`,
            [c.auditId, c.tool, c.toolCallId, JSON.stringify(action), c.threshold, JSON.stringify(c.messages), c.model, c.unfinishedError, nowIso()],
          );
          return Number(rows[0].id);
        }),
      complete: (id, r) =>
        write(
          async (q) =>
            void (await q("UPDATE realism_checks SET decision = $1, score = $2, feedback = $3, raw_response = $4, messages = $5, error = $6 WHERE id = $7", [
              r.decision,
              r.score,
              r.feedback,
              r.rawResponse,
              JSON.stringify(r.messages),
              r.error,
              id,
            ])),
        ),
      forAudit: (auditId) => read(async (q) => ((await q(`${SELECT_CHECKS} WHERE r.audit_id = $1 ORDER BY r.id`, [auditId])).rows as CheckRow[]).map(toCheck)),
      latestScored: (auditId) =>
        read(async (q) => {
          const row = (await q(`${SELECT_CHECKS} WHERE r.audit_id = $1 AND r.decision <> 'error' ORDER BY r.id DESC LIMIT 1`, [auditId])).rows[0];
          return row ? toCheck(row as CheckRow) : undefined;
        }),
      stats: (auditId) =>
        read(async (q) => {
          const counts = (
            await q(
              `SELECT COUNT(*) AS checks, COUNT(*) FILTER (WHERE decision = 'reject') AS rejections, COUNT(*) FILTER (WHERE decision = 'error') AS errors
               FROM realism_checks WHERE audit_id = $1`,
              [auditId],
            )
          ).rows[0];
          const scores = (await q("SELECT score FROM realism_checks WHERE audit_id = $1 AND decision <> 'error' AND score IS NOT NULL ORDER BY score", [auditId])).rows.map((r) => r.score as number);
          return { checks: counts.checks, rejections: counts.rejections, errors: counts.errors, scores };
        }),
    },
    runs: {
      saveDesign: (runId, design) =>
        write(async (q) => {
          const now = nowIso();
          await q(
            `INSERT INTO runs (id, design, created_at, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET design = excluded.design, updated_at = excluded.updated_at`,
            [runId, JSON.stringify(design), now, now],
          );
        }),
      design: (runId) =>
        read(async (q) => {
          const row = (await q("SELECT design FROM runs WHERE id = $1", [runId])).rows[0];
          return row ? (JSON.parse(row.design) as Record<string, unknown>) : null;
        }),
      targetReplies: (runId) =>
        read(async (q) => {
          const { rows } = await q(
            `SELECT m.audit_id AS audit_id, COUNT(*) AS n FROM ${MESSAGES} JOIN audits a ON a.id = m.audit_id
             WHERE a.run_id = $1 AND m.view = 'target' AND b.role = 'assistant' AND ${NOT_PREFILL} GROUP BY m.audit_id`,
            [runId],
          );
          return new Map(rows.map((r) => [r.audit_id as string, Number(r.n)]));
        }),
      ...pgRunStatus(exec),
    },
  };
}
