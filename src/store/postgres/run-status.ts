/** Run status and budgets on PostgreSQL (see src/store/run-status.ts): the RunRepo methods beyond designs. */
import { nowIso } from "../../util/time.js";
import { auditSpendingSql, budgetOf, type RunSpending, toAuditSpending, type RunStatusRepo, withBudget } from "../run-status.js";
import type { PgExec, Query } from "./query.js";

const USAGE_COLUMNS = `coalesce(SUM(c.input_tokens), 0) AS input, coalesce(SUM(c.output_tokens), 0) AS output, SUM(c.cost_usd) AS cost,
  COUNT(*) FILTER (WHERE c.cost_usd IS NULL AND c.error_kind IS NULL) AS unpriced`;

const designOf = (row: { design: string } | undefined) => (row ? (JSON.parse(row.design) as Record<string, unknown>) : null);

async function spending(q: Query, runId: string): Promise<RunSpending> {
  const design = designOf((await q("SELECT design FROM runs WHERE id = $1", [runId])).rows[0]);
  const row = (await q(`SELECT ${USAGE_COLUMNS} FROM model_calls c JOIN audits a ON a.id = c.audit_id WHERE a.run_id = $1`, [runId])).rows[0];
  return { runId, budgetUsd: budgetOf(design), spentUsd: row.cost ?? 0, unpricedCalls: Number(row.unpriced) };
}

/** The RunRepo methods of src/store/run-status.ts (the session adds them to its `runs`). */
export function pgRunStatus(exec: PgExec): RunStatusRepo {
  const { read, write } = exec;
  return {
    list: (limit = 100) =>
      read(async (q) => {
        const { rows } = await q(`SELECT id, design, created_at FROM runs ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" LIMIT $1`, [limit]);
        return rows.map((r) => ({ id: r.id as string, createdAt: r.created_at as string, design: JSON.parse(r.design) as Record<string, unknown> }));
      }),
    exists: (runId) => read(async (q) => (await q("SELECT 1 FROM runs WHERE id = $1", [runId])).rows.length > 0),
    usageByTarget: (runId) =>
      read(async (q) => {
        const { rows } = await q(
          `SELECT a.target_model AS target, ${USAGE_COLUMNS} FROM model_calls c JOIN audits a ON a.id = c.audit_id
           WHERE a.run_id = $1 GROUP BY a.target_model ORDER BY a.target_model COLLATE "C"`,
          [runId],
        );
        return rows.map((r) => ({ target: r.target, inputTokens: Number(r.input), outputTokens: Number(r.output), costUsd: r.cost ?? null, unpricedCalls: Number(r.unpriced) }));
      }),
    setBudget: (runId, budgetUsd) =>
      write(async (q) => {
        const design = designOf((await q("SELECT design FROM runs WHERE id = $1 FOR UPDATE", [runId])).rows[0]);
        if (design) await q("UPDATE runs SET design = $1, updated_at = $2 WHERE id = $3", [JSON.stringify(withBudget(design, budgetUsd)), nowIso(), runId]);
      }),
    spending: (runId) => read((q) => spending(q, runId)),
    auditSpending: (auditId) => read(async (q) => toAuditSpending(auditId, (await q(auditSpendingSql("$1"), [auditId])).rows[0])),
    budgetedRunOf: (auditId) =>
      read(async (q) => {
        const row = (await q("SELECT r.id AS run_id, r.design AS design FROM audits a JOIN runs r ON r.id = a.run_id WHERE a.id = $1", [auditId])).rows[0];
        return row && budgetOf(designOf(row)) !== null ? spending(q, row.run_id) : null;
      }),
  };
}
