/**
 * The jobs of the SQLite store (see src/store/jobs.ts): the SQL and the JobRepo of the store
 * interface over it. A claim runs in the IMMEDIATE transaction of its write (after a lock-free
 * look: most polls find nothing).
 */
import { nowIso } from "../../util/time.js";
import type { SqliteConnection } from "./connection.js";
import { emptyJobCounts, type JobRow, toJobRecord } from "../job-rows.js";
import {
  type AuditJobCount,
  type ClaimFilter,
  type JobCounts,
  type JobKind,
  type JobRecord,
  type JobRepo,
  type JobStatus,
  knownKinds,
  lostLease,
  maxAttemptsOf,
  newJobId,
  type NewJob,
  noAttemptsLeft,
  RUN_CANCELLED,
} from "../jobs.js";
import type { SqliteExec } from "./session.js";

/** `kind IN (?, ?)` with its parameters. */
function kindsClause(kinds: readonly JobKind[]): { sql: string; params: JobKind[] } {
  const known = knownKinds(kinds);
  return { sql: `kind IN (${known.map(() => "?").join(", ")})`, params: known };
}

function enqueue(db: SqliteConnection, job: NewJob): string {
  const id = job.id ?? newJobId();
  db.prepare(
    `INSERT INTO jobs (id, kind, run_id, audit_id, payload, status, attempts, max_attempts, created_at)
     VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
  ).run(id, job.kind, job.runId ?? null, job.auditId ?? null, JSON.stringify(job.payload ?? {}), maxAttemptsOf(job), nowIso());
  return id;
}

function get(db: SqliteConnection, id: string): JobRecord | undefined {
  const row = db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
  return row ? toJobRecord(row) : undefined;
}

function pick(kinds: readonly JobKind[], filter: ClaimFilter, now: number): { sql: string; args: unknown[] } {
  const { sql: kindSql, params } = kindsClause(kinds);
  let where = `${kindSql} AND (status = 'queued' OR (status = 'running' AND lease_expires_at < ?))`;
  const args: unknown[] = [...params, now];
  if (filter.runId !== undefined) {
    where += " AND run_id = ?";
    args.push(filter.runId);
  }
  if (filter.jobId !== undefined) {
    where += " AND id = ?";
    args.push(filter.jobId);
  }
  return { sql: `SELECT * FROM jobs WHERE ${where} ORDER BY created_at, rowid LIMIT 1`, args };
}

function claimable(db: SqliteConnection, kinds: readonly JobKind[], filter: ClaimFilter, now: number): boolean {
  const { sql, args } = pick(kinds, filter, now);
  return db.prepare(sql).get(...args) !== undefined;
}

/** Must run in a write transaction. */
function claim(db: SqliteConnection, kinds: readonly JobKind[], owner: string, leaseMs: number, filter: ClaimFilter, now: number): JobRecord | undefined {
  const { sql, args } = pick(kinds, filter, now);
  for (;;) {
    const row = db.prepare(sql).get(...args) as JobRow | undefined;
    if (!row) return undefined;
    const lostBy = row.status === "running" ? lostLease(row.lease_owner, row.attempts, row.max_attempts) : null;
    if (row.attempts >= row.max_attempts) {
      db.prepare("UPDATE jobs SET status = 'failed', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ? WHERE id = ?").run(
        lostBy ?? noAttemptsLeft(row.attempts, row.max_attempts),
        nowIso(),
        row.id,
      );
      continue;
    }
    db.prepare(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?,
         started_at = coalesce(started_at, ?), last_error = coalesce(?, last_error) WHERE id = ?`,
    ).run(owner, now + leaseMs, now, nowIso(), lostBy, row.id);
    return get(db, row.id);
  }
}

const changed = (db: SqliteConnection, sql: string, ...args: unknown[]): number => db.prepare(sql).run(...args).changes;

function renew(db: SqliteConnection, id: string, owner: string, leaseMs: number, now: number): boolean {
  return changed(db, "UPDATE jobs SET lease_expires_at = ?, heartbeat_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'", now + leaseMs, now, id, owner) === 1;
}

function linkAudit(db: SqliteConnection, id: string, owner: string, auditId: string): boolean {
  return changed(db, "UPDATE jobs SET audit_id = ? WHERE id = ? AND lease_owner = ? AND status = 'running'", auditId, id, owner) === 1;
}

function end(db: SqliteConnection, id: string, owner: string, status: "done" | "failed", error: string | null): boolean {
  return (
    changed(
      db,
      `UPDATE jobs SET status = ?, last_error = coalesce(?, last_error), lease_owner = NULL, lease_expires_at = NULL, finished_at = ?
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      status,
      error,
      nowIso(),
      id,
      owner,
    ) === 1
  );
}

function fail(db: SqliteConnection, id: string, owner: string, error: string, retry: boolean): boolean {
  const row = db.prepare("SELECT attempts, max_attempts FROM jobs WHERE id = ? AND lease_owner = ? AND status = 'running'").get(id, owner) as
    | { attempts: number; max_attempts: number }
    | undefined;
  if (!row) return false;
  if (retry && row.attempts < row.max_attempts) {
    changed(db, "UPDATE jobs SET status = 'queued', last_error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?", error, id);
    return true;
  }
  return end(db, id, owner, "failed", error);
}

function release(db: SqliteConnection, id: string, owner: string): boolean {
  return (
    changed(
      db,
      `UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      id,
      owner,
    ) === 1
  );
}

function expireLease(db: SqliteConnection, id: string, owner: string, now: number): boolean {
  return changed(db, "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'", now - 1, id, owner) === 1;
}

function leases(db: SqliteConnection, kinds: readonly JobKind[]): { id: string; owner: string }[] {
  const { sql, params } = kindsClause(kinds);
  return db.prepare(`SELECT id, lease_owner AS owner FROM jobs WHERE status = 'running' AND lease_owner IS NOT NULL AND ${sql}`).all(...params) as { id: string; owner: string }[];
}

function pending(db: SqliteConnection, kinds: readonly JobKind[], runId?: string): number {
  const { sql, params } = kindsClause(kinds);
  const run = runId === undefined ? "" : " AND run_id = ?";
  const row = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND ${sql}${run}`).get(...params, ...(runId === undefined ? [] : [runId])) as { n: number };
  return row.n;
}

const CANCEL = "UPDATE jobs SET status = 'cancelled', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?";

function cancelRun(db: SqliteConnection, runId: string, reason: string): number {
  return changed(db, `${CANCEL} WHERE run_id = ? AND status IN ('queued', 'running')`, reason, nowIso(), runId);
}

function cancel(db: SqliteConnection, id: string, reason: string): boolean {
  return changed(db, `${CANCEL} WHERE id = ? AND status IN ('queued', 'running')`, reason, nowIso(), id) === 1;
}

function requeue(db: SqliteConnection, id: string): boolean {
  return (
    changed(
      db,
      `UPDATE jobs SET status = 'queued', attempts = 0, lease_owner = NULL, lease_expires_at = NULL, finished_at = NULL
       WHERE id = ? AND status IN ('failed', 'cancelled')`,
      id,
    ) === 1
  );
}

function countsByRun(db: SqliteConnection, runId: string): JobCounts {
  const rows = db.prepare("SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = ? GROUP BY status").all(runId) as { status: JobStatus; n: number }[];
  const counts = emptyJobCounts();
  for (const { status, n } of rows) {
    counts[status] = n;
    counts.total += n;
  }
  return counts;
}

function listRun(db: SqliteConnection, runId: string): JobRecord[] {
  return (db.prepare("SELECT * FROM jobs WHERE run_id = ? ORDER BY created_at, rowid").all(runId) as JobRow[]).map(toJobRecord);
}

function auditCountsByTarget(db: SqliteConnection, runId: string): AuditJobCount[] {
  return db
    .prepare(
      `SELECT coalesce(json_extract(payload, '$.target'), '') AS target, status, COUNT(*) AS n FROM jobs
       WHERE run_id = ? AND kind = 'audit' GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(runId) as AuditJobCount[];
}

/** The JobRepo of the store interface: each call through `exec` (its own transaction, or the open one). */
export function sqliteJobRepo(db: SqliteConnection, exec: SqliteExec): JobRepo {
  const { read, write } = exec;
  return {
    enqueue: (job) => write(() => enqueue(db, job)),
    get: (id) => read(() => get(db, id)),
    claim: async (kinds, owner, leaseMs, filter = {}, now = Date.now()) =>
      (await read(() => claimable(db, kinds, filter, now))) ? write(() => claim(db, kinds, owner, leaseMs, filter, now)) : undefined,
    renew: (id, owner, leaseMs, now = Date.now()) => write(() => renew(db, id, owner, leaseMs, now)),
    linkAudit: (id, owner, auditId) => write(() => linkAudit(db, id, owner, auditId)),
    complete: (id, owner) => write(() => end(db, id, owner, "done", null)),
    fail: (id, owner, error, options = {}) => write(() => fail(db, id, owner, error, options.retry ?? true)),
    release: (id, owner) => write(() => release(db, id, owner)),
    expireLease: (id, owner, now = Date.now()) => write(() => expireLease(db, id, owner, now)),
    leases: (kinds) => read(() => leases(db, kinds)),
    pending: (kinds, runId) => read(() => pending(db, kinds, runId)),
    cancelRun: (runId, reason = RUN_CANCELLED) => write(() => cancelRun(db, runId, reason)),
    cancel: (id, reason) => write(() => cancel(db, id, reason)),
    requeue: (id) => write(() => requeue(db, id)),
    countsByRun: (runId) => read(() => countsByRun(db, runId)),
    listRun: (runId) => read(() => listRun(db, runId)),
    auditCountsByTarget: (runId) => read(() => auditCountsByTarget(db, runId)),
  };
}
