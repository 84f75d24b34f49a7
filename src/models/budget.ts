/**
 * Budgets that stop spending: before every model call of an audit whose run has a budget
 * (`petri-mcp audit --budget-usd`), the run's spending so far is read from the store (every
 * process working the run writes its calls there). At 80% a warning is logged once per run and
 * process; at 100% the call does not start (a ModelError of kind "budget"). Calls whose price is
 * unknown are not counted in the spending; a warning says so, and `petri-mcp runs` shows them.
 * An audit's own budget (start_audit's max_cost_usd) is checked the same way before each of its
 * target and realism calls (the calls made during the audit; the judge's are not counted).
 */
import { log } from "../log.js";
import type { AuditSpending, RunSpending, StoreSession } from "../store/types.js";
import { ModelError, type ModelRole } from "./types.js";

/** Share of the budget at which a warning is logged. */
export const BUDGET_WARN_SHARE = 0.8;

const warned = new Set<string>();

function warnOnce(key: string, text: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(text);
}

/** Whether the run's (or audit's) budget is spent. */
export function budgetSpent(spending: RunSpending | AuditSpending): boolean {
  return spending.budgetUsd !== null && spending.spentUsd >= spending.budgetUsd;
}

/**
 * Throws a ModelError("budget") when the audit's run has spent its budget, or (for a target or
 * realism call) the audit its own; warns at 80%.
 */
export async function checkBudget(store: Pick<StoreSession, "runs">, auditId: string | null, role?: ModelRole): Promise<void> {
  if (auditId === null) return;
  await checkRunBudget(store, auditId);
  if (role === "target" || role === "realism") await checkAuditBudget(store, auditId);
}

async function checkAuditBudget(store: Pick<StoreSession, "runs">, auditId: string): Promise<void> {
  const spending = await store.runs.auditSpending(auditId);
  if (!spending || spending.budgetUsd === null) return;
  const { budgetUsd, spentUsd, unpricedCalls } = spending;
  const spent = `$${spentUsd.toFixed(4)} of $${budgetUsd}`;
  if (unpricedCalls > 0) warnOnce(`${auditId}:unpriced`, `audit ${auditId}: ${unpricedCalls} model call(s) have no known price and are not counted against its max_cost_usd.`);
  if (budgetSpent(spending)) throw new ModelError("budget", `The budget of audit ${auditId} (max_cost_usd) is spent (${spent}); no new model call starts.`);
  if (spentUsd >= BUDGET_WARN_SHARE * budgetUsd) warnOnce(`${auditId}:80`, `audit ${auditId}: ${spent} of its max_cost_usd spent (80% or more).`);
}

async function checkRunBudget(store: Pick<StoreSession, "runs">, auditId: string): Promise<void> {
  const spending = await store.runs.budgetedRunOf(auditId);
  if (!spending || spending.budgetUsd === null) return;
  const { runId, budgetUsd, spentUsd, unpricedCalls } = spending;
  const spent = `$${spentUsd.toFixed(4)} of $${budgetUsd}`;
  if (unpricedCalls > 0) warnOnce(`${runId}:unpriced`, `run ${runId}: ${unpricedCalls} model call(s) have no known price and are not counted against its budget.`);
  if (budgetSpent(spending)) throw new ModelError("budget", `The budget of run ${runId} is spent (${spent}); no new model call starts.`);
  if (spentUsd >= BUDGET_WARN_SHARE * budgetUsd) warnOnce(`${runId}:80`, `run ${runId}: ${spent} of its budget spent (80% or more).`);
}
