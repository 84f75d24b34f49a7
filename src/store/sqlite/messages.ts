/**
 * SQL of the SQLite store for message trees: heads, branches (through the connection's branch
 * cache, which catches up incrementally), appends, and the target-reply counts.
 *
 * A message is stored once (schema 8): its JSON is a row of message_bodies, and each view that
 * holds it has a tree row in messages (seq, view, parent, depth, time) that refers to that body.
 * An append reuses the body of the same message (same audit, id and JSON) already written to
 * another view, so the target's reply in the combined view and the auditor's call in both auditor
 * views cost a tree row, not a copy.
 */
import type { ChatMessage } from "../../core/messages.js";
import { nowIso } from "../../util/time.js";
import type { StoredMessage, TreeView } from "../records.js";
import { type MessageRow, toStoredMessage } from "../rows.js";
import type { CachedBranch, SqliteConnection } from "./connection.js";

/** A tree row with its body: `FROM ${MESSAGES}` gives the columns of MessageRow as `m.*` and `b.data`. */
const COLUMNS = "m.seq, m.view, m.parent_seq, m.depth, b.data, m.created_at";
const MESSAGES = "messages m JOIN message_bodies b ON b.seq = m.body";

export function head(db: SqliteConnection, auditId: string, view: TreeView): number | null {
  const row = db.prepare("SELECT head_seq FROM heads WHERE audit_id = ? AND view = ?").get(auditId, view) as { head_seq: number | null } | undefined;
  return row?.head_seq ?? null;
}

export function setHead(db: SqliteConnection, auditId: string, view: TreeView, seq: number | null): void {
  db.prepare("UPDATE heads SET head_seq = ? WHERE audit_id = ? AND view = ?").run(seq, auditId, view);
}

/**
 * The messages from the root to `headSeq` (default: the view's current head). Do not mutate.
 * Served from a per-view cache that catches up incrementally: a rollback takes a prefix, and
 * messages written since (by this process or another sharing the store) are read alone and
 * added, so a stale cache costs the new rows, not the whole branch.
 */
export function branch(db: SqliteConnection, auditId: string, view: TreeView, headSeq: number | null = head(db, auditId, view)): readonly StoredMessage[] {
  if (headSeq === null) return [];
  const key = `${auditId}:${view}`;
  const cached = db.cachedBranch(key);
  if (cached && cached.headSeq === headSeq) {
    db.cacheBranch(key, cached);
    return cached.messages;
  }
  const messages = (cached && catchUp(db, auditId, cached, headSeq)) ?? readBranch(db, auditId, headSeq);
  db.cacheBranch(key, { headSeq, messages });
  return messages;
}

/** The branch to `headSeq` from a cached one, or undefined when it is not a prefix or an extension of it. */
function catchUp(db: SqliteConnection, auditId: string, cached: CachedBranch, headSeq: number): StoredMessage[] | undefined {
  if (headSeq < cached.headSeq) {
    // A rollback moves the head to a message of the cached branch: its branch is a prefix.
    const index = cached.messages.findIndex((m) => m.seq === headSeq);
    return index >= 0 ? cached.messages.slice(0, index + 1) : undefined;
  }
  // Seqs only grow, so the messages written since the cached head are the chain's rows above it.
  const rows = db
    .prepare(
      `WITH RECURSIVE chain(seq) AS (
         SELECT ? UNION ALL SELECT m.parent_seq FROM messages m JOIN chain c ON m.seq = c.seq WHERE m.parent_seq > ?
       )
       SELECT ${COLUMNS} FROM ${MESSAGES} JOIN chain c ON m.seq = c.seq
       WHERE m.audit_id = ? ORDER BY m.depth`,
    )
    .all(headSeq, cached.headSeq, auditId) as MessageRow[];
  const top = rows[0];
  if (!top) return undefined;
  const added = rows.map(toStoredMessage);
  if (top.parent_seq === null) return added;
  return cached.messages[top.depth - 1]?.seq === top.parent_seq ? [...cached.messages.slice(0, top.depth), ...added] : undefined;
}

function readBranch(db: SqliteConnection, auditId: string, headSeq: number): StoredMessage[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE chain(seq) AS (
         SELECT ? UNION ALL SELECT m.parent_seq FROM messages m JOIN chain c ON m.seq = c.seq WHERE m.parent_seq IS NOT NULL
       )
       SELECT ${COLUMNS} FROM ${MESSAGES} JOIN chain c ON m.seq = c.seq
       WHERE m.audit_id = ? ORDER BY m.depth`,
    )
    .all(headSeq, auditId) as MessageRow[];
  return rows.map(toStoredMessage);
}

export function message(db: SqliteConnection, seq: number): StoredMessage | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM ${MESSAGES} WHERE m.seq = ?`).get(seq) as MessageRow | undefined;
  return row ? toStoredMessage(row) : undefined;
}

/** Every message ever written to a view, in write order (all branches). */
export function allMessages(db: SqliteConnection, auditId: string, view: TreeView): StoredMessage[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM ${MESSAGES} WHERE m.audit_id = ? AND m.view = ? ORDER BY m.seq`).all(auditId, view) as MessageRow[]).map(toStoredMessage);
}

/** Number of distinct branches (leaves) in a view's tree. */
export function branchCount(db: SqliteConnection, auditId: string, view: TreeView): number {
  const row = db
    .prepare(
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
export function appendMessages(
  db: SqliteConnection,
  auditId: string,
  view: TreeView,
  messages: ChatMessage[],
  parentSeq: number | null = head(db, auditId, view),
): StoredMessage[] {
  const insert = db.prepare("INSERT INTO messages (audit_id, view, parent_seq, depth, created_at, body) VALUES (?, ?, ?, ?, ?, ?)");
  const base = parentSeq === null ? [] : branch(db, auditId, view, parentSeq);
  let parent = parentSeq;
  let depth = base.length;
  const now = nowIso();
  const stored: StoredMessage[] = [];
  for (const message of messages) {
    const seq = Number(insert.run(auditId, view, parent, depth, now, bodyOf(db, auditId, message)).lastInsertRowid);
    stored.push({ seq, view, parentSeq: parent, depth, message, createdAt: now });
    parent = seq;
    depth++;
  }
  if (parent !== null) {
    setHead(db, auditId, view, parent);
    db.cacheBranch(`${auditId}:${view}`, { headSeq: parent, messages: [...base, ...stored] });
  }
  return stored;
}

/** The body of `message`: the stored one of the same message (same audit, id and JSON), else a new one. */
function bodyOf(db: SqliteConnection, auditId: string, message: ChatMessage): number {
  const data = JSON.stringify(message);
  const found = db.prepare("SELECT seq FROM message_bodies WHERE id = ? AND audit_id = ? AND data = ?").get(message.id, auditId, data) as { seq: number } | undefined;
  if (found) return found.seq;
  return Number(db.prepare("INSERT INTO message_bodies (audit_id, id, role, data) VALUES (?, ?, ?, ?)").run(auditId, message.id, message.role, data).lastInsertRowid);
}

const NOT_PREFILL = "coalesce(json_extract(b.data, '$.metadata.prefill'), 0) != 1";

export function targetRepliesOfAudit(db: SqliteConnection, auditId: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${MESSAGES} WHERE m.audit_id = ? AND m.view = 'target' AND b.role = 'assistant' AND ${NOT_PREFILL}`).get(auditId) as { n: number }).n;
}

export function targetRepliesOfRun(db: SqliteConnection, runId: string): Map<string, number> {
  const rows = db
    .prepare(
      `SELECT m.audit_id AS audit_id, COUNT(*) AS n FROM ${MESSAGES} JOIN audits a ON a.id = m.audit_id
       WHERE a.run_id = ? AND m.view = 'target' AND b.role = 'assistant' AND ${NOT_PREFILL} GROUP BY m.audit_id`,
    )
    .all(runId) as { audit_id: string; n: number }[];
  return new Map(rows.map((r) => [r.audit_id, r.n]));
}
