import { randomUUID } from "node:crypto";
import { newAuditId } from "../util/ids.js";
import type { ChatMessage } from "../audit/messages.js";
import type { StoredTool, ToolDefinition } from "../audit/synthetic-tools.js";
import type { Statement } from "better-sqlite3";
import type { Db } from "./db.js";

export type AuditStatus = "active" | "ended" | "max_turns" | "failed";
export type TurnLimit = "target" | "auditor";
/** Conversation views kept as message trees. The judge and realism views live with their runs. */
export type TreeView = "target" | "combined" | "auditor";

export interface AuditRecord {
  id: string;
  seedInstruction: string;
  /** The library seed the instruction came from (start_audit with a seed id or tags:), else null. */
  seedId: string | null;
  tags: string[];
  targetModel: string;
  auditorModel: string | null;
  maxTurns: number;
  turnsUsed: number;
  /** What max_turns counts: target generations (MCP mode) or auditor generations (the runner). */
  turnLimit: TurnLimit;
  status: AuditStatus;
  statusReason: string | null;
  realismThreshold: number | null;
  realismModel: string | null;
  resourcesDir: string | null;
  runId: string | null;
  /** The target's generation settings (JSON of src/models/settings.ts), or null for the defaults. */
  targetConfig: Record<string, unknown> | null;
  /** The name the auditor was given for the target instead of its model id, or null. */
  targetDisplayName: string | null;
  /** Which repetition of its seed × target this audit is in its run (1-based; null outside a run with epochs). */
  epoch: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface NewAudit {
  seedInstruction: string;
  seedId?: string | null;
  tags?: string[];
  targetModel: string;
  auditorModel?: string | null;
  maxTurns: number;
  turnLimit?: TurnLimit;
  realismThreshold?: number | null;
  realismModel?: string | null;
  resourcesDir?: string | null;
  runId?: string | null;
  targetConfig?: Record<string, unknown> | null;
  targetDisplayName?: string | null;
  epoch?: number | null;
  id?: string;
}

export interface StoredMessage {
  seq: number;
  view: TreeView;
  parentSeq: number | null;
  /** 0-based index of the message in its branch. */
  depth: number;
  message: ChatMessage;
  createdAt: string;
}

export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  view: string | null;
  name: string | null;
  data: unknown;
  createdAt: string;
}

export interface ModelCallRecord {
  auditId: string | null;
  role: string;
  model: string;
  startedAt: string;
  latencyMs: number;
  inputTokens?: number | null;
  outputTokens?: number | null;
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
  reasoningTokens?: number | null;
  costUsd?: number | null;
  errorKind?: string | null;
  error?: string | null;
  /** A judge run id or realism check id this call belongs to. */
  ref?: string | null;
}

export interface RoleUsage {
  role: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Null when no call of this role had a known price. */
  costUsd: number | null;
  latencyMs: number;
}

export interface ListAuditsFilter {
  status?: AuditStatus;
  tag?: string;
  runId?: string;
  targetModel?: string;
  search?: string;
  limit?: number;
  offset?: number;
}

export interface AuditRow {
  id: string;
  seed_instruction: string;
  seed_id: string | null;
  tags: string;
  target_model: string;
  auditor_model: string | null;
  max_turns: number;
  turns_used: number;
  turn_limit: TurnLimit;
  status: AuditStatus;
  status_reason: string | null;
  realism_threshold: number | null;
  realism_model: string | null;
  resources_dir: string | null;
  run_id: string | null;
  target_config: string | null;
  target_display_name?: string | null;
  epoch?: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface MessageRow {
  seq: number;
  view: TreeView;
  parent_seq: number | null;
  depth: number;
  data: string;
  created_at: string;
}

export function toAudit(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    seedInstruction: row.seed_instruction,
    seedId: row.seed_id ?? null,
    tags: JSON.parse(row.tags) as string[],
    targetModel: row.target_model,
    auditorModel: row.auditor_model,
    maxTurns: row.max_turns,
    turnsUsed: row.turns_used,
    turnLimit: row.turn_limit,
    status: row.status,
    statusReason: row.status_reason,
    realismThreshold: row.realism_threshold,
    realismModel: row.realism_model,
    resourcesDir: row.resources_dir,
    runId: row.run_id,
    targetConfig: row.target_config ? (JSON.parse(row.target_config) as Record<string, unknown>) : null,
    targetDisplayName: row.target_display_name ?? null,
    epoch: row.epoch ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    seq: row.seq,
    view: row.view,
    parentSeq: row.parent_seq,
    depth: row.depth,
    message: JSON.parse(row.data) as ChatMessage,
    createdAt: row.created_at,
  };
}

export { newAuditId } from "../util/ids.js";

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Typed access to the AuditStore. Every write goes through `write()` (an IMMEDIATE transaction),
 * so writers from several processes take the lock up front instead of failing mid-transaction.
 */
/** Cached branches kept at most (three views per audit): about 100 recently used audits. */
const MAX_CACHED_BRANCHES = 300;

export class AuditStore {
  /** Branches are immutable once written, so a branch read for a head stays valid forever. */
  private readonly branchCache = new Map<string, { headSeq: number; messages: StoredMessage[] }>();

  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  /** A prepared statement, compiled once per SQL text and reused (preparing is costly). */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      // Rolled-back rows may have been cached; their seqs can be reused.
      this.branchCache.clear();
      throw error;
    }
  }

  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  /** Drops cached branches (after a transaction rolled back outside `write`: their seqs can be reused). */
  forgetCachedBranches(): void {
    this.branchCache.clear();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- audits ---------------------------------------------------------------------------------

  createAudit(input: NewAudit): AuditRecord {
    const now = nowIso();
    const id = input.id ?? newAuditId();
    this.prepare(
        `INSERT INTO audits (id, seed_instruction, seed_id, tags, target_model, auditor_model, max_turns, turn_limit,
           realism_threshold, realism_model, resources_dir, run_id, target_config, target_display_name, epoch, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.seedInstruction,
        input.seedId ?? null,
        JSON.stringify(input.tags ?? []),
        input.targetModel,
        input.auditorModel ?? null,
        input.maxTurns,
        input.turnLimit ?? "target",
        input.realismThreshold ?? null,
        input.realismModel ?? null,
        input.resourcesDir ?? null,
        input.runId ?? null,
        input.targetConfig ? JSON.stringify(input.targetConfig) : null,
        input.targetDisplayName ?? null,
        input.epoch ?? null,
        now,
        now,
      );
    for (const view of ["target", "combined", "auditor"] as const) {
      this.prepare("INSERT INTO heads (audit_id, view, head_seq) VALUES (?, ?, NULL)").run(id, view);
    }
    return this.getAudit(id)!;
  }

  getAudit(id: string): AuditRecord | undefined {
    const row = this.prepare("SELECT * FROM audits WHERE id = ?").get(id) as AuditRow | undefined;
    return row ? toAudit(row) : undefined;
  }

  listAudits(filter: ListAuditsFilter = {}): { audits: AuditRecord[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) {
      where.push("status = ?");
      params.push(filter.status);
    }
    if (filter.runId) {
      where.push("run_id = ?");
      params.push(filter.runId);
    }
    if (filter.targetModel) {
      where.push("target_model = ?");
      params.push(filter.targetModel);
    }
    if (filter.tag) {
      where.push("id IN (SELECT audit_id FROM audit_tags WHERE tag = ?)");
      params.push(filter.tag);
    }
    if (filter.search) {
      // Three characters or more: the trigram index (a quoted phrase, so nothing in it is syntax).
      // Shorter text has no trigram; it is matched by a scan, ASCII case folded.
      if ([...filter.search].length >= 3) {
        where.push("(id = ? OR id IN (SELECT audit_id FROM audits_fts WHERE audits_fts MATCH ?))");
        params.push(filter.search, `"${filter.search.replace(/"/g, '""')}"`);
      } else {
        where.push("(instr(lower(seed_instruction), lower(?)) > 0 OR id = ?)");
        params.push(filter.search, filter.search);
      }
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const total = (this.prepare(`SELECT COUNT(*) AS n FROM audits ${clause}`).get(...params) as { n: number }).n;
    const rows = this.prepare(`SELECT * FROM audits ${clause} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`)
      .all(...params, filter.limit ?? 20, filter.offset ?? 0) as AuditRow[];
    return { audits: rows.map(toAudit), total };
  }

  /** The runs (`run_id` of audits), newest first, with how many audits each has. */
  listRuns(limit = 100): Array<{ runId: string; audits: number; firstCreatedAt: string; lastUpdatedAt: string }> {
    const rows = this.prepare(
        `SELECT run_id, COUNT(*) AS audits, MIN(created_at) AS first_created_at, MAX(updated_at) AS last_updated_at
         FROM audits WHERE run_id IS NOT NULL GROUP BY run_id ORDER BY first_created_at DESC LIMIT ?`,
      )
      .all(limit) as { run_id: string; audits: number; first_created_at: string; last_updated_at: string }[];
    return rows.map((r) => ({ runId: r.run_id, audits: r.audits, firstCreatedAt: r.first_created_at, lastUpdatedAt: r.last_updated_at }));
  }

  /** Marks the audit changed (bumps `version` and `updated_at`). */
  touch(auditId: string): void {
    this.prepare("UPDATE audits SET version = version + 1, updated_at = ? WHERE id = ?").run(nowIso(), auditId);
  }

  setStatus(auditId: string, status: AuditStatus, reason: string | null = null): void {
    this.prepare("UPDATE audits SET status = ?, status_reason = ? WHERE id = ?").run(status, reason, auditId);
    this.touch(auditId);
  }

  setAuditorModel(auditId: string, auditorModel: string): void {
    this.prepare("UPDATE audits SET auditor_model = ? WHERE id = ?").run(auditorModel, auditId);
  }

  /** Counts one turn and returns the new count. */
  addTurn(auditId: string): number {
    this.prepare("UPDATE audits SET turns_used = turns_used + 1 WHERE id = ?").run(auditId);
    return this.getAudit(auditId)!.turnsUsed;
  }

  // ---- leases (one turn at a time per audit, across processes) ---------------------------------

  /** Takes the audit's lease if it is free, expired or already ours. */
  acquireLease(auditId: string, owner: string, ttlMs: number, now = Date.now()): boolean {
    const result = this.prepare(
        `UPDATE audits SET lease_owner = ?, lease_expires_at = ?
         WHERE id = ? AND (lease_owner IS NULL OR lease_expires_at < ? OR lease_owner = ?)`,
      )
      .run(owner, now + ttlMs, auditId, now, owner);
    return result.changes === 1;
  }

  renewLease(auditId: string, owner: string, ttlMs: number, now = Date.now()): boolean {
    return this.prepare("UPDATE audits SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?").run(now + ttlMs, auditId, owner).changes === 1;
  }

  releaseLease(auditId: string, owner: string): void {
    this.prepare("UPDATE audits SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?").run(auditId, owner);
  }

  /** The holder of a live lease, if any. */
  leaseHolder(auditId: string, now = Date.now()): { owner: string; expiresAt: number } | null {
    const row = this.prepare("SELECT lease_owner, lease_expires_at FROM audits WHERE id = ?").get(auditId) as
      | { lease_owner: string | null; lease_expires_at: number | null }
      | undefined;
    if (!row?.lease_owner || row.lease_expires_at === null || row.lease_expires_at < now) return null;
    return { owner: row.lease_owner, expiresAt: row.lease_expires_at };
  }

  // ---- message trees ---------------------------------------------------------------------------

  head(auditId: string, view: TreeView): number | null {
    const row = this.prepare("SELECT head_seq FROM heads WHERE audit_id = ? AND view = ?").get(auditId, view) as
      | { head_seq: number | null }
      | undefined;
    return row?.head_seq ?? null;
  }

  setHead(auditId: string, view: TreeView, seq: number | null): void {
    this.prepare("UPDATE heads SET head_seq = ? WHERE audit_id = ? AND view = ?").run(seq, auditId, view);
  }

  /**
   * The messages from the root to `headSeq` (default: the view's current head). Do not mutate.
   * Served from a per-view cache that catches up incrementally: a rollback takes a prefix, and
   * messages written since (by this process or another sharing the store) are read alone and
   * added, so a stale cache costs the new rows, not the whole branch.
   */
  branch(auditId: string, view: TreeView, headSeq: number | null = this.head(auditId, view)): readonly StoredMessage[] {
    if (headSeq === null) return [];
    const key = `${auditId}:${view}`;
    const cached = this.branchCache.get(key);
    if (cached && cached.headSeq === headSeq) {
      this.cacheBranch(key, cached);
      return cached.messages;
    }
    const messages = (cached && this.catchUp(auditId, cached, headSeq)) ?? this.readBranch(auditId, headSeq);
    this.cacheBranch(key, { headSeq, messages });
    return messages;
  }

  /** Keeps the most recently used branches only (an idle audit's views are dropped first). */
  private cacheBranch(key: string, entry: { headSeq: number; messages: StoredMessage[] }): void {
    this.branchCache.delete(key);
    this.branchCache.set(key, entry);
    while (this.branchCache.size > MAX_CACHED_BRANCHES) this.branchCache.delete(this.branchCache.keys().next().value!);
  }

  /** The branch to `headSeq` from a cached one, or undefined when it is not a prefix or an extension of it. */
  private catchUp(auditId: string, cached: { headSeq: number; messages: StoredMessage[] }, headSeq: number): StoredMessage[] | undefined {
    if (headSeq < cached.headSeq) {
      // A rollback moves the head to a message of the cached branch: its branch is a prefix.
      const index = cached.messages.findIndex((m) => m.seq === headSeq);
      return index >= 0 ? cached.messages.slice(0, index + 1) : undefined;
    }
    // Seqs only grow, so the messages written since the cached head are the chain's rows above it.
    const rows = this.prepare(
        `WITH RECURSIVE chain(seq) AS (
           SELECT ? UNION ALL SELECT m.parent_seq FROM messages m JOIN chain c ON m.seq = c.seq WHERE m.parent_seq > ?
         )
         SELECT m.seq, m.view, m.parent_seq, m.depth, m.data, m.created_at FROM messages m JOIN chain c ON m.seq = c.seq
         WHERE m.audit_id = ? ORDER BY m.depth`,
      )
      .all(headSeq, cached.headSeq, auditId) as MessageRow[];
    const top = rows[0];
    if (!top) return undefined;
    const added = rows.map(toStoredMessage);
    if (top.parent_seq === null) return added;
    return cached.messages[top.depth - 1]?.seq === top.parent_seq ? [...cached.messages.slice(0, top.depth), ...added] : undefined;
  }

  private readBranch(auditId: string, headSeq: number): StoredMessage[] {
    const rows = this.prepare(
        `WITH RECURSIVE chain(seq) AS (
           SELECT ? UNION ALL SELECT m.parent_seq FROM messages m JOIN chain c ON m.seq = c.seq WHERE m.parent_seq IS NOT NULL
         )
         SELECT m.seq, m.view, m.parent_seq, m.depth, m.data, m.created_at FROM messages m JOIN chain c ON m.seq = c.seq
         WHERE m.audit_id = ? ORDER BY m.depth`,
      )
      .all(headSeq, auditId) as MessageRow[];
    return rows.map(toStoredMessage);
  }

  message(seq: number): StoredMessage | undefined {
    const row = this.prepare("SELECT seq, view, parent_seq, depth, data, created_at FROM messages WHERE seq = ?").get(seq) as
      | MessageRow
      | undefined;
    return row ? toStoredMessage(row) : undefined;
  }

  /** Every message ever written to a view, in write order (all branches). */
  allMessages(auditId: string, view: TreeView): StoredMessage[] {
    const rows = this.prepare("SELECT seq, view, parent_seq, depth, data, created_at FROM messages WHERE audit_id = ? AND view = ? ORDER BY seq")
      .all(auditId, view) as MessageRow[];
    return rows.map(toStoredMessage);
  }

  /** Number of distinct branches (leaves) in a view's tree. */
  branchCount(auditId: string, view: TreeView): number {
    const row = this.prepare(
        `SELECT COUNT(*) AS n FROM messages m WHERE m.audit_id = ? AND m.view = ?
           AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_seq = m.seq)`,
      )
      .get(auditId, view) as { n: number };
    return row.n;
  }

  /**
   * Appends messages as a chain under `parentSeq` (default: the current head) and moves the head to
   * the last one. `parentSeq: null` starts a new root (a new conversation in the same tree).
   */
  appendMessages(auditId: string, view: TreeView, messages: ChatMessage[], parentSeq: number | null = this.head(auditId, view)): StoredMessage[] {
    const insert = this.prepare(
      "INSERT INTO messages (audit_id, view, id, parent_seq, depth, role, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const key = `${auditId}:${view}`;
    const base = parentSeq === null ? [] : this.branch(auditId, view, parentSeq);
    let parent = parentSeq;
    let depth = base.length;
    const now = nowIso();
    const stored: StoredMessage[] = [];
    for (const message of messages) {
      const seq = Number(insert.run(auditId, view, message.id, parent, depth, message.role, JSON.stringify(message), now).lastInsertRowid);
      stored.push({ seq, view, parentSeq: parent, depth, message, createdAt: now });
      parent = seq;
      depth++;
    }
    if (parent !== null) {
      this.setHead(auditId, view, parent);
      this.cacheBranch(key, { headSeq: parent, messages: [...base, ...stored] });
    }
    return stored;
  }

  // ---- synthetic tools -------------------------------------------------------------------------

  listTools(auditId: string): StoredTool[] {
    const rows = this.prepare("SELECT definition, environment_description, function_code FROM tools WHERE audit_id = ? ORDER BY created_at, name")
      .all(auditId) as { definition: string; environment_description: string; function_code: string | null }[];
    return rows.map((r) => ({
      definition: JSON.parse(r.definition) as ToolDefinition,
      environmentDescription: r.environment_description,
      functionCode: r.function_code,
    }));
  }

  /** Adds or replaces a tool; returns true when it replaced one. */
  upsertTool(auditId: string, tool: StoredTool): boolean {
    const now = nowIso();
    const existing = this.prepare("SELECT 1 FROM tools WHERE audit_id = ? AND name = ?").get(auditId, tool.definition.name);
    if (existing) {
      this.prepare("UPDATE tools SET definition = ?, environment_description = ?, function_code = ?, updated_at = ? WHERE audit_id = ? AND name = ?")
        .run(JSON.stringify(tool.definition), tool.environmentDescription, tool.functionCode ?? null, now, auditId, tool.definition.name);
    } else {
      this.prepare(
          "INSERT INTO tools (audit_id, name, definition, environment_description, function_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(auditId, tool.definition.name, JSON.stringify(tool.definition), tool.environmentDescription, tool.functionCode ?? null, now, now);
    }
    return Boolean(existing);
  }

  removeTool(auditId: string, name: string): boolean {
    return this.prepare("DELETE FROM tools WHERE audit_id = ? AND name = ?").run(auditId, name).changes === 1;
  }

  // ---- events ----------------------------------------------------------------------------------

  addEvent(auditId: string, event: { type: string; view?: string | null; name?: string | null; data: unknown }): void {
    this.prepare("INSERT INTO events (audit_id, id, type, view, name, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(auditId, randomUUID(), event.type, event.view ?? null, event.name ?? null, JSON.stringify(event.data), nowIso());
  }

  events(auditId: string): StoredEvent[] {
    const rows = this.prepare("SELECT seq, id, type, view, name, data, created_at FROM events WHERE audit_id = ? ORDER BY seq").all(auditId) as {
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

  // ---- model calls -----------------------------------------------------------------------------

  recordModelCall(call: ModelCallRecord): void {
    this.prepare(
        `INSERT INTO model_calls (audit_id, role, model, started_at, latency_ms, input_tokens, output_tokens, cache_read_tokens,
           cache_write_tokens, reasoning_tokens, cost_usd, error_kind, error, ref)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        call.auditId,
        call.role,
        call.model,
        call.startedAt,
        Math.round(call.latencyMs),
        call.inputTokens ?? null,
        call.outputTokens ?? null,
        call.cacheReadTokens ?? null,
        call.cacheWriteTokens ?? null,
        call.reasoningTokens ?? null,
        call.costUsd ?? null,
        call.errorKind ?? null,
        call.error ?? null,
        call.ref ?? null,
      );
  }

  /** The audit's model calls in order (at most `limit`, the first ones). */
  modelCalls(auditId: string, limit = 1000): ModelCallRecord[] {
    const rows = this.prepare(
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

  usageByRole(auditId: string): RoleUsage[] {
    const rows = this.prepare(
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
}
