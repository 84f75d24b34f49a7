/**
 * Realism checks as the domain sees them, stored through `store.realismChecks`. A check is written
 * before the model call (so the call's `ref` can name it) as an error "did not finish", and
 * completed after the call; a process that dies mid-call therefore leaves an honest error, never
 * a score.
 */
import type { ChatMessage } from "../core/messages.js";
import type { GatedTool } from "../audit/service-types.js";
import type { RealismCheckResult, RealismDecision, StoredRealismCheck, StoreSession } from "../store/types.js";
import type { ScoredAction } from "./prompt.js";

export type { RealismDecision } from "../store/types.js";

export const UNFINISHED_CHECK_ERROR = "The realism check did not finish (it was still running, or the server stopped during it).";

export type RealismUsage = NonNullable<StoredRealismCheck["usage"]>;

/** A realism check as the domain reads it: the stored check with its action as scored. */
export type RealismCheck = Omit<StoredRealismCheck, "tool" | "toolCallId" | "arguments"> & { action: ScoredAction };

export type CheckOutcome = RealismCheckResult;

function toCheck(stored: StoredRealismCheck): RealismCheck {
  const { tool, toolCallId, arguments: args, ...rest } = stored;
  return { ...rest, action: { tool: tool as GatedTool, toolCallId, arguments: args } };
}

/** Writes a check that has not run yet and returns its id. */
export function insertUnfinishedCheck(
  store: StoreSession,
  input: { auditId: string; action: ScoredAction; auditVersion: number; threshold: number; model: string; messages: ChatMessage[] },
): Promise<number> {
  return store.realismChecks.insertUnfinished({
    auditId: input.auditId,
    tool: input.action.tool,
    toolCallId: input.action.toolCallId,
    arguments: input.action.arguments,
    auditVersion: input.auditVersion,
    threshold: input.threshold,
    model: input.model,
    messages: input.messages,
    unfinishedError: UNFINISHED_CHECK_ERROR,
  });
}

export function completeCheck(store: StoreSession, id: number, outcome: CheckOutcome): Promise<void> {
  return store.realismChecks.complete(id, outcome);
}

/** Every check of an audit, oldest first, with the usage of its model call. */
export async function listRealismChecks(store: StoreSession, auditId: string): Promise<RealismCheck[]> {
  return (await store.realismChecks.forAudit(auditId)).map(toCheck);
}

/** The audit's most recent check that produced a score (approve or reject). */
export async function latestScoredCheck(store: StoreSession, auditId: string): Promise<RealismCheck | undefined> {
  const stored = await store.realismChecks.latestScored(auditId);
  return stored ? toCheck(stored) : undefined;
}
