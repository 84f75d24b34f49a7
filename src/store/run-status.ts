/**
 * Where runs stand, for `petri-mcp runs` and budgets, in domain terms: the runs recorded (table
 * `runs`, schema 3), the tokens and cost of the model calls made for a run's audits by target, and
 * a run's budget and spending. Calls without a price are counted apart, never as $0. The store
 * answers these through `store.runs` (RunRepo in src/store/types.ts) and `store.jobs`.
 */

/** A run recorded in the store, with its design (what `petri-mcp audit` stored). */
export interface StoredRun {
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

export interface RunSpending {
  runId: string;
  /** The run's budget (--budget-usd), or null when it has none. */
  budgetUsd: number | null;
  /** Cost of the run's priced calls so far. */
  spentUsd: number;
  /** Successful calls of the run whose price is unknown (not in spentUsd). */
  unpricedCalls: number;
}

/** Roles whose calls count against an audit's own budget (start_audit's max_cost_usd): the calls made during the audit. */
export const AUDIT_BUDGET_ROLES = ["target", "realism"] as const;

/** One row (budget, cost, unpriced) for the audit bound to `placeholder`; the same SQL on both engines. */
export function auditSpendingSql(placeholder: string): string {
  const calls = `FROM model_calls c WHERE c.audit_id = a.id AND c.role IN (${AUDIT_BUDGET_ROLES.map((r) => `'${r}'`).join(", ")})`;
  return `SELECT a.max_cost_usd AS budget, (SELECT SUM(c.cost_usd) ${calls}) AS cost,
    (SELECT COUNT(*) ${calls} AND c.cost_usd IS NULL AND c.error_kind IS NULL) AS unpriced
    FROM audits a WHERE a.id = ${placeholder}`;
}

/** An AuditSpending from that row. */
export function toAuditSpending(auditId: string, row: { budget: number | null; cost: number | null; unpriced: number | string } | undefined): AuditSpending | null {
  return row ? { auditId, budgetUsd: row.budget ?? null, spentUsd: row.cost ?? 0, unpricedCalls: Number(row.unpriced) } : null;
}

export interface AuditSpending {
  auditId: string;
  /** The audit's budget (max_cost_usd), or null when it has none. */
  budgetUsd: number | null;
  /** Cost of the audit's priced target and realism calls so far. */
  spentUsd: number;
  /** Successful target and realism calls of the audit whose price is unknown (not in spentUsd). */
  unpricedCalls: number;
}

/** The budget stored in a run's design (`budgetUsd`), or null. */
export function budgetOf(design: Record<string, unknown> | null | undefined): number | null {
  const budget = design?.budgetUsd;
  return typeof budget === "number" ? budget : null;
}

/** The design with the budget set (a number) or removed (null). */
export function withBudget(design: Record<string, unknown>, budgetUsd: number | null): Record<string, unknown> {
  const { budgetUsd: _old, ...rest } = design;
  return budgetUsd === null ? rest : { ...design, budgetUsd };
}

/** Part of RunRepo (src/store/types.ts): where runs stand and their budgets. */
export interface RunStatusRepo {
  /** Runs recorded (`saveDesign`), newest first. */
  list(limit?: number): Promise<StoredRun[]>;
  /** Whether the run has a recorded design. */
  exists(runId: string): Promise<boolean>;
  /** Tokens and cost of every model call made for the run's audits (all roles), by the audit's target. */
  usageByTarget(runId: string): Promise<TargetUsage[]>;
  /** Records (a number) or removes (null) the budget in the run's design (nothing when the run has none). */
  setBudget(runId: string, budgetUsd: number | null): Promise<void>;
  /** The run's budget and its spending so far. */
  spending(runId: string): Promise<RunSpending>;
  /** The spending of the run an audit belongs to, when that run has a budget; null otherwise. */
  budgetedRunOf(auditId: string): Promise<RunSpending | null>;
  /** The audit's own budget and what its target and realism calls have spent; null when there is no such audit. */
  auditSpending(auditId: string): Promise<AuditSpending | null>;
}
