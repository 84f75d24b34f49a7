/**
 * The rows both engines insert for an audit, a model call and an event: column names and values
 * in one place, so a new column is added once. Each engine writes the SQL with its own
 * placeholders (`?` on SQLite, `$n` on PostgreSQL) through `insertSql`.
 */
import { randomUUID } from "node:crypto";
import { nowIso } from "../util/time.js";
import type { ModelCallRecord, NewAudit } from "./records.js";
import type { NewEvent } from "./types.js";

export interface InsertRow {
  table: string;
  columns: readonly string[];
  values: unknown[];
}

/** PostgreSQL's placeholder for the n-th value. */
export const pgPlaceholder = (n: number): string => `$${n}`;

/** `INSERT INTO table (…) VALUES (…)` with the engine's placeholder for the n-th value (1-based). */
export function insertSql(row: InsertRow, placeholder: (n: number) => string): string {
  return `INSERT INTO ${row.table} (${row.columns.join(", ")}) VALUES (${row.columns.map((_, i) => placeholder(i + 1)).join(", ")})`;
}

export function auditRow(id: string, input: NewAudit, now: string): InsertRow {
  const fields: Record<string, unknown> = {
    id,
    seed_instruction: input.seedInstruction,
    seed_id: input.seedId ?? null,
    tags: JSON.stringify(input.tags ?? []),
    target_model: input.targetModel,
    auditor_model: input.auditorModel ?? null,
    max_turns: input.maxTurns,
    turn_limit: input.turnLimit ?? "target",
    realism_threshold: input.realismThreshold ?? null,
    realism_model: input.realismModel ?? null,
    resources_dir: input.resourcesDir ?? null,
    run_id: input.runId ?? null,
    target_config: input.targetConfig ? JSON.stringify(input.targetConfig) : null,
    target_display_name: input.targetDisplayName ?? null,
    max_cost_usd: input.maxCostUsd ?? null,
    epoch: input.epoch ?? null,
    created_at: now,
    updated_at: now,
  };
  return { table: "audits", columns: Object.keys(fields), values: Object.values(fields) };
}

export function modelCallRow(call: ModelCallRecord): InsertRow {
  const fields: Record<string, unknown> = {
    audit_id: call.auditId,
    role: call.role,
    model: call.model,
    started_at: call.startedAt,
    latency_ms: Math.round(call.latencyMs),
    input_tokens: call.inputTokens ?? null,
    output_tokens: call.outputTokens ?? null,
    cache_read_tokens: call.cacheReadTokens ?? null,
    cache_write_tokens: call.cacheWriteTokens ?? null,
    reasoning_tokens: call.reasoningTokens ?? null,
    cost_usd: call.costUsd ?? null,
    error_kind: call.errorKind ?? null,
    error: call.error ?? null,
    ref: call.ref ?? null,
  };
  return { table: "model_calls", columns: Object.keys(fields), values: Object.values(fields) };
}

export function eventRow(auditId: string, event: NewEvent): InsertRow {
  const fields: Record<string, unknown> = {
    audit_id: auditId,
    id: randomUUID(),
    type: event.type,
    view: event.view ?? null,
    name: event.name ?? null,
    data: JSON.stringify(event.data),
    created_at: nowIso(),
  };
  return { table: "events", columns: Object.keys(fields), values: Object.values(fields) };
}
