import type { ModelCallRecord, StoreSession } from "../store/types.js";
import { checkBudget } from "./budget.js";
import { estimateCostUsd } from "./pricing.js";
import { type ChatModel, type GenerateRequest, type GenerateResult, ModelError, type ModelRole } from "./types.js";

export interface RecordedCall {
  /** The store (or an open transaction) the call is checked against (budget) and recorded in. */
  store: Pick<StoreSession, "modelCalls" | "runs">;
  auditId: string | null;
  role: ModelRole;
  model: ChatModel;
  request: GenerateRequest;
  /** A judge run id or realism check id this call belongs to. */
  ref?: string;
}

function asModelError(error: unknown, model: ChatModel): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof Error && error.name === "AbortError") return new ModelError("aborted", `The call to ${model.name} was cancelled.`);
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError("unknown", `The call to ${model.name} failed: ${message}`);
}

export interface CallOutcome {
  result: GenerateResult;
  /** The successful call, for the caller to write with its own changes in one transaction. */
  record: ModelCallRecord;
}

/**
 * Calls a model. A failed call is recorded at once (latency, error kind and message) and throws a
 * ModelError; a successful one returns its record unwritten, so a turn can store it together with
 * the reply.
 */
export async function callModelDeferred(call: RecordedCall): Promise<CallOutcome> {
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const record = (outcome: Partial<ModelCallRecord>): ModelCallRecord => ({
    auditId: call.auditId,
    role: call.role,
    model: call.model.name,
    startedAt,
    latencyMs: performance.now() - start,
    ref: call.ref ?? null,
    ...outcome,
  });
  // Throws before anything is called or written when the run's (or the audit's) budget is spent.
  await checkBudget(call.store, call.auditId, call.role);
  let result: GenerateResult;
  try {
    result = await call.model.generate(call.request);
  } catch (error) {
    const modelError = asModelError(error, call.model);
    const failed = record({ errorKind: modelError.kind, error: modelError.message });
    await recordCall(call.store, failed);
    throw modelError;
  }
  return {
    result,
    record: record({
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      cacheReadTokens: result.usage.cacheReadTokens ?? null,
      cacheWriteTokens: result.usage.cacheWriteTokens ?? null,
      reasoningTokens: result.usage.reasoningTokens ?? null,
      costUsd: estimateCostUsd(call.model.name, result.usage),
    }),
  };
}

/**
 * Calls a model and records the call (latency, tokens, cost, or the error) in the store's
 * model-call table, in its own small transaction. Throws a ModelError on failure.
 */
export async function callModel(call: RecordedCall): Promise<GenerateResult> {
  const { result, record } = await callModelDeferred(call);
  await recordCall(call.store, record);
  return result;
}

async function recordCall(store: Pick<StoreSession, "modelCalls">, record: ModelCallRecord): Promise<void> {
  await store.modelCalls.record(record);
}
