/** SQL of the SQLite store for an audit's synthetic tools, its events and its model calls (usage). */
import type { StoredTool, ToolDefinition } from "../../audit/synthetic-tools.js";
import { nowIso } from "../../util/time.js";
import type { ModelCallRecord, RoleUsage, StoredEvent } from "../records.js";
import type { NewEvent } from "../types.js";
import { eventRow, insertSql, modelCallRow } from "../inserts.js";
import type { SqliteConnection } from "./connection.js";

// ---- synthetic tools ----------------------------------------------------------------------------

export function listTools(db: SqliteConnection, auditId: string): StoredTool[] {
  const rows = db.prepare("SELECT definition, environment_description, function_code FROM tools WHERE audit_id = ? ORDER BY created_at, name").all(auditId) as {
    definition: string;
    environment_description: string;
    function_code: string | null;
  }[];
  return rows.map((r) => ({
    definition: JSON.parse(r.definition) as ToolDefinition,
    environmentDescription: r.environment_description,
    functionCode: r.function_code,
  }));
}

/** Adds or replaces a tool; returns true when it replaced one. */
export function upsertTool(db: SqliteConnection, auditId: string, tool: StoredTool): boolean {
  const now = nowIso();
  const existing = db.prepare("SELECT 1 FROM tools WHERE audit_id = ? AND name = ?").get(auditId, tool.definition.name);
  if (existing) {
    db.prepare("UPDATE tools SET definition = ?, environment_description = ?, function_code = ?, updated_at = ? WHERE audit_id = ? AND name = ?").run(
      JSON.stringify(tool.definition),
      tool.environmentDescription,
      tool.functionCode ?? null,
      now,
      auditId,
      tool.definition.name,
    );
  } else {
    db.prepare("INSERT INTO tools (audit_id, name, definition, environment_description, function_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      auditId,
      tool.definition.name,
      JSON.stringify(tool.definition),
      tool.environmentDescription,
      tool.functionCode ?? null,
      now,
      now,
    );
  }
  return Boolean(existing);
}

export function removeTool(db: SqliteConnection, auditId: string, name: string): boolean {
  return db.prepare("DELETE FROM tools WHERE audit_id = ? AND name = ?").run(auditId, name).changes === 1;
}

// ---- events -------------------------------------------------------------------------------------

export function addEvent(db: SqliteConnection, auditId: string, event: NewEvent): void {
  const row = eventRow(auditId, event);
  db.prepare(insertSql(row, () => "?")).run(...row.values);
}

export function events(db: SqliteConnection, auditId: string): StoredEvent[] {
  const rows = db.prepare("SELECT seq, id, type, view, name, data, created_at FROM events WHERE audit_id = ? ORDER BY seq").all(auditId) as {
    seq: number;
    id: string;
    type: string;
    view: string | null;
    name: string | null;
    data: string;
    created_at: string;
  }[];
  return rows.map((r) => ({ seq: r.seq, id: r.id, type: r.type, view: r.view, name: r.name, data: JSON.parse(r.data), createdAt: r.created_at }));
}

// ---- model calls --------------------------------------------------------------------------------

export function recordModelCall(db: SqliteConnection, call: ModelCallRecord): void {
  const row = modelCallRow(call);
  db.prepare(insertSql(row, () => "?")).run(...row.values);
}

/** The audit's model calls in order (at most `limit`, the first ones). */
export function modelCalls(db: SqliteConnection, auditId: string, limit = 1000): ModelCallRecord[] {
  const rows = db
    .prepare(
      `SELECT role, model, started_at, latency_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
         cost_usd, error_kind, error, ref FROM model_calls WHERE audit_id = ? ORDER BY id LIMIT ?`,
    )
    .all(auditId, limit) as Record<string, string | number | null>[];
  return rows.map((r) => ({
    auditId,
    role: r.role as string,
    model: r.model as string,
    startedAt: r.started_at as string,
    latencyMs: r.latency_ms as number,
    inputTokens: r.input_tokens as number | null,
    outputTokens: r.output_tokens as number | null,
    cacheReadTokens: r.cache_read_tokens as number | null,
    cacheWriteTokens: r.cache_write_tokens as number | null,
    reasoningTokens: r.reasoning_tokens as number | null,
    costUsd: r.cost_usd as number | null,
    errorKind: r.error_kind as string | null,
    error: r.error as string | null,
    ref: r.ref as string | null,
  }));
}

export function usageByRole(db: SqliteConnection, auditId: string): RoleUsage[] {
  const rows = db
    .prepare(
      `SELECT role, COUNT(*) AS calls, COUNT(error_kind) AS errors,
         COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
         COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens, COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,
         COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, SUM(cost_usd) AS cost_usd, COALESCE(SUM(latency_ms), 0) AS latency_ms
       FROM model_calls WHERE audit_id = ? GROUP BY role ORDER BY role`,
    )
    .all(auditId) as Record<string, number | string | null>[];
  return rows.map((r) => ({
    role: r.role as string,
    calls: r.calls as number,
    errors: r.errors as number,
    inputTokens: r.input_tokens as number,
    outputTokens: r.output_tokens as number,
    cacheReadTokens: r.cache_read_tokens as number,
    cacheWriteTokens: r.cache_write_tokens as number,
    reasoningTokens: r.reasoning_tokens as number,
    costUsd: (r.cost_usd as number | null) ?? null,
    latencyMs: r.latency_ms as number,
  }));
}
