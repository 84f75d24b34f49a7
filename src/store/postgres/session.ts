/**
 * The repositories of the store interface in PostgreSQL's dialect. Each call runs through `exec`:
 * at top level on the pool (reads retried on a lost connection; several statements in one
 * transaction), or on the client of an open transaction. Text is ordered COLLATE "C", as SQLite
 * orders it; JSON is kept as TEXT and read with `::jsonb` where a query looks inside.
 */
import type { ChatMessage } from "../../core/messages.js";
import { auditRow, eventRow, insertSql, pgPlaceholder } from "../inserts.js";
import { newAuditId } from "../../util/ids.js";
import { nowIso } from "../../util/time.js";
import { type AuditRow, type MessageRow, toAudit, toStoredMessage } from "../rows.js";
import type { ListAuditsFilter, StoreSession, TreeView } from "../types.js";
import { MESSAGES, NOT_PREFILL, type PgExec, type Query, notify } from "./query.js";
import { pgJobRepo } from "./jobs.js";
import { pgRecordRepos } from "./records.js";

const MESSAGE_COLUMNS = "m.seq, m.view, m.parent_seq, m.depth, b.data, m.created_at";

function auditFilter(filter: ListAuditsFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.status) add((n) => `status = ${n}`, filter.status);
  if (filter.runId) add((n) => `run_id = ${n}`, filter.runId);
  if (filter.targetModel) add((n) => `target_model = ${n}`, filter.targetModel);
  if (filter.tag) add((n) => `id IN (SELECT audit_id FROM audit_tags WHERE tag = ${n})`, filter.tag);
  if (filter.search) {
    // A LIKE on lower(seed_instruction) can use the pg_trgm index of migration 4 (strpos cannot).
    params.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, filter.search);
    where.push(`(lower(seed_instruction) LIKE lower($${params.length - 1}) ESCAPE '\\' OR id = $${params.length})`);
  }
  return { clause: where.length > 0 ? `WHERE ${where.join(" AND ")}` : "", params };
}

async function headOf(q: Query, auditId: string, view: TreeView): Promise<number | null> {
  const { rows } = await q("SELECT head_seq FROM heads WHERE audit_id = $1 AND view = $2", [auditId, view]);
  return rows[0]?.head_seq ?? null;
}

async function branchOf(q: Query, auditId: string, headSeq: number | null) {
  if (headSeq === null) return [];
  const { rows } = await q(
    `WITH RECURSIVE chain(seq) AS (
       SELECT $1::bigint UNION ALL SELECT m.parent_seq FROM messages m JOIN chain c ON m.seq = c.seq WHERE m.parent_seq IS NOT NULL
     )
     SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} JOIN chain c ON m.seq = c.seq
     WHERE m.audit_id = $2 ORDER BY m.depth`,
    [headSeq, auditId],
  );
  return (rows as MessageRow[]).map(toStoredMessage);
}

/** The body of `message`: the stored one of the same message (same audit, id and JSON), else a new one. */
async function bodyOf(q: Query, auditId: string, message: ChatMessage): Promise<number> {
  const data = JSON.stringify(message);
  const found = (await q("SELECT seq FROM message_bodies WHERE id = $1 AND audit_id = $2 AND data = $3", [message.id, auditId, data])).rows[0];
  if (found) return Number(found.seq);
  return Number((await q("INSERT INTO message_bodies (audit_id, id, role, data) VALUES ($1, $2, $3, $4) RETURNING seq", [auditId, message.id, message.role, data])).rows[0].seq);
}

async function getAudit(q: Query, id: string) {
  const { rows } = await q("SELECT * FROM audits WHERE id = $1", [id]);
  return rows[0] ? toAudit(rows[0] as AuditRow) : undefined;
}

export function pgSession(exec: PgExec): StoreSession {
  const { read, write } = exec;
  return {
    audits: {
      create: (input) =>
        write(async (q) => {
          const now = nowIso();
          const id = input.id ?? newAuditId();
          const row = auditRow(id, input, now);
          await q(insertSql(row, pgPlaceholder), row.values);
          await q("INSERT INTO heads (audit_id, view, head_seq) VALUES ($1, 'target', NULL), ($1, 'combined', NULL), ($1, 'auditor', NULL)", [id]);
          await notify(q, id);
          return (await getAudit(q, id))!;
        }),
      get: (id) => read((q) => getAudit(q, id)),
      list: (filter = {}) =>
        read(async (q) => {
          const { clause, params } = auditFilter(filter);
          const total = Number((await q(`SELECT COUNT(*) AS n FROM audits ${clause}`, params)).rows[0].n);
          const n = params.length;
          const { rows } = await q(`SELECT * FROM audits ${clause} ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" LIMIT $${n + 1} OFFSET $${n + 2}`, [
            ...params,
            filter.limit ?? 20,
            filter.offset ?? 0,
          ]);
          return { audits: (rows as AuditRow[]).map(toAudit), total };
        }),
      idsStartingWith: (prefix, limit = 50) =>
        read(async (q) => {
          const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
          const { rows } = await q(`SELECT id FROM audits WHERE id LIKE $1 ESCAPE '\\' ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" LIMIT $2`, [`${escaped}%`, limit]);
          return rows.map((r) => r.id as string);
        }),
      runs: (limit = 100) =>
        read(async (q) => {
          const { rows } = await q(
            `SELECT run_id, COUNT(*) AS audits, MIN(created_at COLLATE "C") AS first_created_at, MAX(updated_at COLLATE "C") AS last_updated_at
             FROM audits WHERE run_id IS NOT NULL GROUP BY run_id ORDER BY first_created_at DESC LIMIT $1`,
            [limit],
          );
          return rows.map((r) => ({ runId: r.run_id, audits: r.audits, firstCreatedAt: r.first_created_at, lastUpdatedAt: r.last_updated_at }));
        }),
      touch: (id) =>
        write(async (q) => {
          await q("UPDATE audits SET version = version + 1, updated_at = $1 WHERE id = $2", [nowIso(), id]);
          await notify(q, id);
        }),
      setStatus: (id, status, reason = null) =>
        write(async (q) => {
          await q("UPDATE audits SET status = $1, status_reason = $2, version = version + 1, updated_at = $3 WHERE id = $4", [status, reason, nowIso(), id]);
          await notify(q, id);
        }),
      setAuditorModel: (id, model) => write(async (q) => void (await q("UPDATE audits SET auditor_model = $1 WHERE id = $2", [model, id]))),
      addTurn: (id) => write(async (q) => Number((await q("UPDATE audits SET turns_used = turns_used + 1 WHERE id = $1 RETURNING turns_used", [id])).rows[0]?.turns_used)),
    },
    leases: {
      acquire: (auditId, owner, ttlMs, now = Date.now()) =>
        write(
          async (q) =>
            (
              await q(
                `UPDATE audits SET lease_owner = $1, lease_expires_at = $2
                 WHERE id = $3 AND (lease_owner IS NULL OR lease_expires_at < $4 OR lease_owner = $1)`,
                [owner, now + ttlMs, auditId, now],
              )
            ).rowCount === 1,
        ),
      renew: (auditId, owner, ttlMs, now = Date.now()) =>
        write(async (q) => (await q("UPDATE audits SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3", [now + ttlMs, auditId, owner])).rowCount === 1),
      release: (auditId, owner) => write(async (q) => void (await q("UPDATE audits SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2", [auditId, owner]))),
      holder: (auditId, now = Date.now()) =>
        read(async (q) => {
          const row = (await q("SELECT lease_owner, lease_expires_at FROM audits WHERE id = $1", [auditId])).rows[0];
          if (!row?.lease_owner || row.lease_expires_at === null || row.lease_expires_at < now) return null;
          return { owner: row.lease_owner as string, expiresAt: row.lease_expires_at as number };
        }),
    },
    messages: {
      head: (auditId, view) => read((q) => headOf(q, auditId, view)),
      setHead: (auditId, view, seq) => write(async (q) => void (await q("UPDATE heads SET head_seq = $1 WHERE audit_id = $2 AND view = $3", [seq, auditId, view]))),
      branch: (auditId, view, headSeq) => read(async (q) => branchOf(q, auditId, headSeq === undefined ? await headOf(q, auditId, view) : headSeq)),
      get: (seq) =>
        read(async (q) => {
          const row = (await q(`SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.seq = $1`, [seq])).rows[0];
          return row ? toStoredMessage(row as MessageRow) : undefined;
        }),
      all: (auditId, view) =>
        read(async (q) => ((await q(`SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES} WHERE m.audit_id = $1 AND m.view = $2 ORDER BY m.seq`, [auditId, view])).rows as MessageRow[]).map(toStoredMessage)),
      branchCount: (auditId, view) =>
        read(async (q) =>
          Number(
            (
              await q(
                `SELECT COUNT(*) AS n FROM messages m WHERE m.audit_id = $1 AND m.view = $2
                   AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_seq = m.seq)`,
                [auditId, view],
              )
            ).rows[0].n,
          ),
        ),
      append: (auditId, view, messages, parentSeq) =>
        write(async (q) => {
          let parent = parentSeq === undefined ? await headOf(q, auditId, view) : parentSeq;
          let depth = parent === null ? 0 : Number((await q("SELECT depth FROM messages WHERE seq = $1", [parent])).rows[0].depth) + 1;
          const now = nowIso();
          const stored = [];
          for (const message of messages) {
            const { rows } = await q(
              "INSERT INTO messages (audit_id, view, parent_seq, depth, created_at, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
              [auditId, view, parent, depth, now, await bodyOf(q, auditId, message)],
            );
            const seq = Number(rows[0].seq);
            stored.push({ seq, view, parentSeq: parent, depth, message, createdAt: now });
            parent = seq;
            depth++;
          }
          if (parent !== null && stored.length > 0) await q("UPDATE heads SET head_seq = $1 WHERE audit_id = $2 AND view = $3", [parent, auditId, view]);
          return stored;
        }),
      targetReplies: (auditId) =>
        read(async (q) => Number((await q(`SELECT COUNT(*) AS n FROM ${MESSAGES} WHERE m.audit_id = $1 AND m.view = 'target' AND b.role = 'assistant' AND ${NOT_PREFILL}`, [auditId])).rows[0].n)),
    },
    tools: {
      list: (auditId) =>
        read(async (q) => {
          const { rows } = await q(`SELECT definition, environment_description, function_code FROM tools WHERE audit_id = $1 ORDER BY created_at COLLATE "C", name COLLATE "C"`, [auditId]);
          return rows.map((r) => ({ definition: JSON.parse(r.definition), environmentDescription: r.environment_description, functionCode: r.function_code }));
        }),
      upsert: (auditId, tool) =>
        write(async (q) => {
          const now = nowIso();
          const name = tool.definition.name;
          const existing = (await q("SELECT 1 FROM tools WHERE audit_id = $1 AND name = $2", [auditId, name])).rows.length > 0;
          if (existing) {
            await q("UPDATE tools SET definition = $1, environment_description = $2, function_code = $3, updated_at = $4 WHERE audit_id = $5 AND name = $6", [
              JSON.stringify(tool.definition),
              tool.environmentDescription,
              tool.functionCode ?? null,
              now,
              auditId,
              name,
            ]);
          } else {
            await q(
              "INSERT INTO tools (audit_id, name, definition, environment_description, function_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              [auditId, name, JSON.stringify(tool.definition), tool.environmentDescription, tool.functionCode ?? null, now, now],
            );
          }
          return existing;
        }),
      remove: (auditId, name) => write(async (q) => (await q("DELETE FROM tools WHERE audit_id = $1 AND name = $2", [auditId, name])).rowCount === 1),
    },
    events: {
      add: (auditId, event) =>
        write(async (q) => {
          const row = eventRow(auditId, event);
          await q(insertSql(row, pgPlaceholder), row.values);
        }),
      list: (auditId) =>
        read(async (q) => {
          const { rows } = await q("SELECT seq, id, type, view, name, data, created_at FROM events WHERE audit_id = $1 ORDER BY seq", [auditId]);
          return rows.map((r) => ({ seq: r.seq, id: r.id, type: r.type, view: r.view, name: r.name, data: JSON.parse(r.data), createdAt: r.created_at }));
        }),
    },
    ...pgRecordRepos(exec),
    jobs: pgJobRepo(exec),
  };
}
