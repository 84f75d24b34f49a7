/**
 * Budgets that stop spending: before every model call of an audit whose run has a budget
 * (`petri-mcp audit --budget-usd`), the run's spending so far is read from the store (every
 * process working the run writes its calls there). At 80% a warning is logged once per run and
 * process; at 100% the call does not start (a ModelError of kind "budget"). Calls whose price is
 * unknown are not counted in the spending; a warning says so, and `petri-mcp runs` shows them.
 */
import { log } from "../log.js";
import type { RunSpending, StoreSession } from "../store/types.js";
import { ModelError } from "./types.js";

/** Share of the budget at which a warning is logged. */
export const BUDGET_WARN_SHARE = 0.8;

const warned = new Set<string>();

function warnOnce(key: string, text: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(text);
}

/** Whether the run's budget is spent. */
export function budgetSpent(spending: RunSpending): boolean {
  return spending.budgetUsd !== null && spending.spentUsd >= spending.budgetUsd;
}

/** Throws a ModelError("budget") when the audit's run has spent its budget; warns at 80%. */
export async function checkBudget(store: Pick<StoreSession, "runs">, auditId: string | null): Promise<void> {
  if (auditId === null) return;
  const spending = await store.runs.budgetedRunOf(auditId);
  if (!spending || spending.budgetUsd === null) return;
  const { runId, budgetUsd, spentUsd, unpricedCalls } = spending;
  const spent = `$${spentUsd.toFixed(4)} of $${budgetUsd}`;
  if (unpricedCalls > 0) warnOnce(`${runId}:unpriced`, `run ${runId}: ${unpricedCalls} model call(s) have no known price and are not counted against its budget.`);
  if (budgetSpent(spending)) throw new ModelError("budget", `The budget of run ${runId} is spent (${spent}); no new model call starts.`);
  if (spentUsd >= BUDGET_WARN_SHARE * budgetUsd) warnOnce(`${runId}:80`, `run ${runId}: ${spent} of its budget spent (80% or more).`);
}
