/** SQL of the SQLite store for audits (create, read, list, status, turns) and their leases. */
import { newAuditId } from "../../util/ids.js";
import { nowIso } from "../../util/time.js";
import type { AuditRecord, AuditStatus, ListAuditsFilter, NewAudit } from "../records.js";
import { auditRow, insertSql } from "../inserts.js";
import { type AuditRow, toAudit } from "../rows.js";
import type { LeaseHolder, RunListing } from "../types.js";
import type { SqliteConnection } from "./connection.js";

export function createAudit(db: SqliteConnection, input: NewAudit): AuditRecord {
  const now = nowIso();
  const id = input.id ?? newAuditId();
  const row = auditRow(id, input, now);
  db.prepare(insertSql(row, () => "?")).run(...row.values);
  for (const view of ["target", "combined", "auditor"] as const) {
    db.prepare("INSERT INTO heads (audit_id, view, head_seq) VALUES (?, ?, NULL)").run(id, view);
  }
  return getAudit(db, id)!;
}

export function getAudit(db: SqliteConnection, id: string): AuditRecord | undefined {
  const row = db.prepare("SELECT * FROM audits WHERE id = ?").get(id) as AuditRow | undefined;
  return row ? toAudit(row) : undefined;
}

export function listAudits(db: SqliteConnection, filter: ListAuditsFilter = {}): { audits: AuditRecord[]; total: number } {
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
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM audits ${clause}`).get(...params) as { n: number }).n;
  const rows = db
    .prepare(`SELECT * FROM audits ${clause} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`)
    .all(...params, filter.limit ?? 20, filter.offset ?? 0) as AuditRow[];
  return { audits: rows.map(toAudit), total };
}

export function auditIdsStartingWith(db: SqliteConnection, prefix: string, limit: number): string[] {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  return (db.prepare("SELECT id FROM audits WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC, id LIMIT ?").all(`${escaped}%`, limit) as { id: string }[]).map((r) => r.id);
}

/** The runs (`run_id` of audits), newest first, with how many audits each has. */
export function listRuns(db: SqliteConnection, limit = 100): RunListing[] {
  const rows = db
    .prepare(
      `SELECT run_id, COUNT(*) AS audits, MIN(created_at) AS first_created_at, MAX(updated_at) AS last_updated_at
       FROM audits WHERE run_id IS NOT NULL GROUP BY run_id ORDER BY first_created_at DESC LIMIT ?`,
    )
    .all(limit) as { run_id: string; audits: number; first_created_at: string; last_updated_at: string }[];
  return rows.map((r) => ({ runId: r.run_id, audits: r.audits, firstCreatedAt: r.first_created_at, lastUpdatedAt: r.last_updated_at }));
}

/** Marks the audit changed (bumps `version` and `updated_at`). */
export function touch(db: SqliteConnection, auditId: string): void {
  db.prepare("UPDATE audits SET version = version + 1, updated_at = ? WHERE id = ?").run(nowIso(), auditId);
}

export function setStatus(db: SqliteConnection, auditId: string, status: AuditStatus, reason: string | null = null): void {
  db.prepare("UPDATE audits SET status = ?, status_reason = ? WHERE id = ?").run(status, reason, auditId);
  touch(db, auditId);
}

export function setAuditorModel(db: SqliteConnection, auditId: string, auditorModel: string): void {
  db.prepare("UPDATE audits SET auditor_model = ? WHERE id = ?").run(auditorModel, auditId);
}

/** Counts one turn and returns the new count. */
export function addTurn(db: SqliteConnection, auditId: string): number {
  db.prepare("UPDATE audits SET turns_used = turns_used + 1 WHERE id = ?").run(auditId);
  return getAudit(db, auditId)!.turnsUsed;
}

// ---- leases (one turn at a time per audit, across processes) -------------------------------------

/** Takes the audit's lease if it is free, expired or already ours. */
export function acquireLease(db: SqliteConnection, auditId: string, owner: string, ttlMs: number, now = Date.now()): boolean {
  const result = db
    .prepare(
      `UPDATE audits SET lease_owner = ?, lease_expires_at = ?
       WHERE id = ? AND (lease_owner IS NULL OR lease_expires_at < ? OR lease_owner = ?)`,
    )
    .run(owner, now + ttlMs, auditId, now, owner);
  return result.changes === 1;
}

export function renewLease(db: SqliteConnection, auditId: string, owner: string, ttlMs: number, now = Date.now()): boolean {
  return db.prepare("UPDATE audits SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?").run(now + ttlMs, auditId, owner).changes === 1;
}

export function releaseLease(db: SqliteConnection, auditId: string, owner: string): void {
  db.prepare("UPDATE audits SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?").run(auditId, owner);
}

/** The holder of a live lease, if any. */
export function leaseHolder(db: SqliteConnection, auditId: string, now = Date.now()): LeaseHolder | null {
  const row = db.prepare("SELECT lease_owner, lease_expires_at FROM audits WHERE id = ?").get(auditId) as
    | { lease_owner: string | null; lease_expires_at: number | null }
    | undefined;
  if (!row?.lease_owner || row.lease_expires_at === null || row.lease_expires_at < now) return null;
  return { owner: row.lease_owner, expiresAt: row.lease_expires_at };
}
