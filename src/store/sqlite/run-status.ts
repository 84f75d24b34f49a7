/** Run status and budgets on SQLite (see src/store/run-status.ts): the RunRepo methods beyond designs. */
import type { SqliteConnection } from "./connection.js";
import { auditSpendingSql, budgetOf, type RunSpending, toAuditSpending, type RunStatusRepo, type StoredRun, type TargetUsage, withBudget } from "../run-status.js";
import { runDesign, saveRunDesign } from "./records.js";
import type { SqliteExec } from "./session.js";

function listRuns(db: SqliteConnection, limit: number): StoredRun[] {
  const rows = db.prepare("SELECT id, design, created_at FROM runs ORDER BY created_at DESC, id LIMIT ?").all(limit) as { id: string; design: string; created_at: string }[];
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at, design: JSON.parse(r.design) as Record<string, unknown> }));
}

const USAGE_COLUMNS = `coalesce(SUM(c.input_tokens), 0) AS input, coalesce(SUM(c.output_tokens), 0) AS output, SUM(c.cost_usd) AS cost,
  coalesce(SUM(CASE WHEN c.cost_usd IS NULL AND c.error_kind IS NULL THEN 1 ELSE 0 END), 0) AS unpriced`;

function usageByTarget(db: SqliteConnection, runId: string): TargetUsage[] {
  const rows = db
    .prepare(`SELECT a.target_model AS target, ${USAGE_COLUMNS} FROM model_calls c JOIN audits a ON a.id = c.audit_id WHERE a.run_id = ? GROUP BY a.target_model ORDER BY a.target_model`)
    .all(runId) as { target: string; input: number; output: number; cost: number | null; unpriced: number }[];
  return rows.map((r) => ({ target: r.target, inputTokens: r.input, outputTokens: r.output, costUsd: r.cost, unpricedCalls: r.unpriced }));
}

function spending(db: SqliteConnection, runId: string): RunSpending {
  const row = db.prepare(`SELECT ${USAGE_COLUMNS} FROM model_calls c JOIN audits a ON a.id = c.audit_id WHERE a.run_id = ?`).get(runId) as { cost: number | null; unpriced: number };
  return { runId, budgetUsd: budgetOf(runDesign(db, runId)), spentUsd: row.cost ?? 0, unpricedCalls: row.unpriced };
}

function budgetedRunOf(db: SqliteConnection, auditId: string): RunSpending | null {
  const row = db.prepare("SELECT r.id AS run_id, r.design AS design FROM audits a JOIN runs r ON r.id = a.run_id WHERE a.id = ?").get(auditId) as { run_id: string; design: string } | undefined;
  return row && budgetOf(JSON.parse(row.design) as Record<string, unknown>) !== null ? spending(db, row.run_id) : null;
}

/** The RunRepo methods of src/store/run-status.ts (the session adds them to its `runs`). */
export function sqliteRunStatus(db: SqliteConnection, exec: SqliteExec): RunStatusRepo {
  const { read, write } = exec;
  return {
    list: (limit = 100) => read(() => listRuns(db, limit)),
    exists: (runId) => read(() => db.prepare("SELECT 1 FROM runs WHERE id = ?").get(runId) !== undefined),
    usageByTarget: (runId) => read(() => usageByTarget(db, runId)),
    setBudget: (runId, budgetUsd) =>
      write(() => {
        const design = runDesign(db, runId);
        if (design) saveRunDesign(db, runId, withBudget(design, budgetUsd));
      }),
    spending: (runId) => read(() => spending(db, runId)),
    budgetedRunOf: (auditId) => read(() => budgetedRunOf(db, auditId)),
    auditSpending: (auditId) => read(() => toAuditSpending(auditId, db.prepare(auditSpendingSql("?")).get(auditId) as Parameters<typeof toAuditSpending>[1])),
  };
}
