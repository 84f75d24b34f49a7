/**
 * Where runs stand, for `petri-mcp runs`: the runs recorded (table `runs`, schema 3), each run's
 * audit jobs by status and target (table `jobs`, schema 5), and the tokens and cost of the model
 * calls made for its audits, by target. Calls without a price are counted apart, never as $0.
 */
import type { AuditStore } from "./audit-store.js";
import type { JobStatus } from "./jobs.js";

export interface RunListing {
  id: string;
  createdAt: string;
  design: Record<string, unknown>;
}

export interface TargetUsage {
  target: string;
  inputTokens: number;
  outputTokens: number;
  /** Cost of the priced calls, null when none had a price. */
  costUsd: number | null;
  /** Successful calls whose model has no known price. */
  unpricedCalls: number;
}

/** Runs recorded in the store, newest first. */
export function listRuns(store: AuditStore, limit = 100): RunListing[] {
  const rows = store.prepare("SELECT id, design, created_at FROM runs ORDER BY created_at DESC, id LIMIT ?").all(limit) as { id: string; design: string; created_at: string }[];
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at, design: JSON.parse(r.design) as Record<string, unknown> }));
}

/** Whether the run id is recorded. */
export function runExists(store: AuditStore, runId: string): boolean {
  return store.prepare("SELECT 1 FROM runs WHERE id = ?").get(runId) !== undefined;
}

/** The run's audit jobs by target and status. */
export function auditJobCounts(store: AuditStore, runId: string): { target: string; status: JobStatus; n: number }[] {
  return store
    .prepare(
      `SELECT coalesce(json_extract(payload, '$.target'), '') AS target, status, COUNT(*) AS n FROM jobs
       WHERE run_id = ? AND kind = 'audit' GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(runId) as { target: string; status: JobStatus; n: number }[];
}

/** Tokens and cost of every model call made for the run's audits (all roles), by the audit's target. */
export function runUsageByTarget(store: AuditStore, runId: string): TargetUsage[] {
  const rows = store
    .prepare(
      `SELECT a.target_model AS target, coalesce(SUM(c.input_tokens), 0) AS input, coalesce(SUM(c.output_tokens), 0) AS output,
         SUM(c.cost_usd) AS cost, SUM(CASE WHEN c.cost_usd IS NULL AND c.error_kind IS NULL THEN 1 ELSE 0 END) AS unpriced
       FROM model_calls c JOIN audits a ON a.id = c.audit_id WHERE a.run_id = ? GROUP BY a.target_model ORDER BY a.target_model`,
    )
    .all(runId) as { target: string; input: number; output: number; cost: number | null; unpriced: number }[];
  return rows.map((r) => ({ target: r.target, inputTokens: r.input, outputTokens: r.output, costUsd: r.cost, unpricedCalls: r.unpriced }));
}

export interface RunSpending {
  runId: string;
  /** The run's budget (--budget-usd), or null when it has none. */
  budgetUsd: number | null;
  /** Cost of the run's priced calls so far. */
  spentUsd: number;
  /** Successful calls of the run whose price is unknown (not in spentUsd). */
  unpricedCalls: number;
}

/** Records (a number) or removes (null) the run's budget in its stored design. */
export function saveRunBudget(store: AuditStore, runId: string, budgetUsd: number | null): void {
  store.write(() =>
    budgetUsd === null
      ? store.prepare("UPDATE runs SET design = json_remove(design, '$.budgetUsd') WHERE id = ?").run(runId)
      : store.prepare("UPDATE runs SET design = json_set(design, '$.budgetUsd', ?) WHERE id = ?").run(budgetUsd, runId),
  );
}

/** The run's budget and spending so far. */
export function runSpending(store: AuditStore, runId: string): RunSpending {
  const budget = store.prepare("SELECT json_extract(design, '$.budgetUsd') AS b FROM runs WHERE id = ?").get(runId) as { b: number | null } | undefined;
  const spent = store
    .prepare(
      `SELECT coalesce(SUM(c.cost_usd), 0) AS spent, SUM(CASE WHEN c.cost_usd IS NULL AND c.error_kind IS NULL THEN 1 ELSE 0 END) AS unpriced
       FROM model_calls c JOIN audits a ON a.id = c.audit_id WHERE a.run_id = ?`,
    )
    .get(runId) as { spent: number; unpriced: number | null };
  return { runId, budgetUsd: budget?.b ?? null, spentUsd: spent.spent, unpricedCalls: spent.unpriced ?? 0 };
}

/** The spending of the run an audit belongs to, when that run has a budget; null otherwise. */
export function budgetedRunOf(store: AuditStore, auditId: string): RunSpending | null {
  const row = store
    .prepare("SELECT a.run_id AS run_id FROM audits a JOIN runs r ON r.id = a.run_id WHERE a.id = ? AND json_extract(r.design, '$.budgetUsd') IS NOT NULL")
    .get(auditId) as { run_id: string } | undefined;
  return row ? runSpending(store, row.run_id) : null;
}
