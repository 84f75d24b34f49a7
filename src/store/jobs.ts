/**
 * Durable jobs (table `jobs`, schema 5): judge runs and the audits of a run, as rows any petri-mcp
 * process on the store can claim. A claim takes the oldest queued job, or a running one whose lease
 * expired, in one IMMEDIATE transaction (on PostgreSQL the same statement uses
 * `FOR UPDATE SKIP LOCKED`), so a job runs at most once at a time. The worker renews its lease
 * while it works; every write after the claim is fenced by `lease_owner`, so a worker whose lease
 * was taken over can no longer end the job. A done, failed or cancelled job is never claimed again.
 */
import { randomUUID } from "node:crypto";
import { type AuditStore, nowIso } from "./audit-store.js";

export type JobKind = "judge" | "audit";
export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled";
export const JOB_KINDS: readonly JobKind[] = ["judge", "audit"];
export const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "done", "failed", "cancelled"];

/** Attempts a job gets unless enqueued with another bound. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface JobRecord {
  id: string;
  kind: JobKind;
  runId: string | null;
  auditId: string | null;
  payload: unknown;
  status: JobStatus;
  /** Claims so far (the one under way included). */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  leaseOwner: string | null;
  /** Epoch milliseconds. */
  leaseExpiresAt: number | null;
  heartbeatAt: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface NewJob {
  /** Default: a new `job_…` id. A judge job uses its judge run's id. */
  id?: string;
  kind: JobKind;
  runId?: string | null;
  auditId?: string | null;
  payload?: unknown;
  maxAttempts?: number;
}

export interface ClaimFilter {
  /** Only jobs of this run. */
  runId?: string;
  /** Only this job. */
  jobId?: string;
}

export type JobCounts = Record<JobStatus, number> & { total: number };

type MaybePromise<T> = T | Promise<T>;

/**
 * What a job worker needs of the store. JobStore (SQLite, below) answers synchronously; a
 * PostgreSQL twin answers with promises and claims with
 * `UPDATE jobs SET … WHERE id = (SELECT id FROM jobs WHERE … ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING *`.
 */
export interface JobQueue {
  claim(kinds: readonly JobKind[], owner: string, leaseMs: number, filter?: ClaimFilter): MaybePromise<JobRecord | undefined>;
  renew(id: string, owner: string, leaseMs: number): MaybePromise<boolean>;
  complete(id: string, owner: string): MaybePromise<boolean>;
  fail(id: string, owner: string, error: string, options?: { retry?: boolean }): MaybePromise<boolean>;
  release(id: string, owner: string): MaybePromise<boolean>;
  expireLease(id: string, owner: string): MaybePromise<boolean>;
  leases(kinds: readonly JobKind[]): MaybePromise<{ id: string; owner: string }[]>;
  pending(kinds: readonly JobKind[], runId?: string): MaybePromise<number>;
  get(id: string): MaybePromise<JobRecord | undefined>;
}

interface Row {
  id: string;
  kind: JobKind;
  run_id: string | null;
  audit_id: string | null;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  heartbeat_at: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toRecord(row: Row): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    runId: row.run_id,
    auditId: row.audit_id,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    heartbeatAt: row.heartbeat_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** `kind IN (?, ?)` with its parameters (kinds come from JOB_KINDS, never from the SQL text). */
function kindsClause(kinds: readonly JobKind[]): { sql: string; params: JobKind[] } {
  const known = kinds.filter((k) => JOB_KINDS.includes(k));
  if (known.length === 0) throw new Error("claim needs at least one job kind");
  return { sql: `kind IN (${known.map(() => "?").join(", ")})`, params: known };
}

export class JobStore implements JobQueue {
  constructor(readonly store: AuditStore) {}

  /** Stores a queued job; call inside another `write` to enqueue it with the rows it belongs to. */
  enqueue(job: NewJob): string {
    const id = job.id ?? `job_${randomUUID()}`;
    const maxAttempts = job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`max attempts must be a whole number of at least 1 (got ${maxAttempts})`);
    this.store.write(() =>
      this.store
        .prepare(
          `INSERT INTO jobs (id, kind, run_id, audit_id, payload, status, attempts, max_attempts, created_at)
           VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
        )
        .run(id, job.kind, job.runId ?? null, job.auditId ?? null, JSON.stringify(job.payload ?? {}), maxAttempts, nowIso()),
    );
    return id;
  }

  get(id: string): JobRecord | undefined {
    const row = this.store.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /**
   * Claims one job of these kinds for `owner`: the oldest queued one, or a running one whose lease
   * expired (its worker stopped). Its attempts grow by one and its lease runs `leaseMs` from `now`.
   * An expired job that has used all its attempts is marked failed instead. Undefined: nothing to do.
   */
  claim(kinds: readonly JobKind[], owner: string, leaseMs: number, filter: ClaimFilter = {}, now = Date.now()): JobRecord | undefined {
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
    const pick = `SELECT * FROM jobs WHERE ${where} ORDER BY created_at, rowid LIMIT 1`;
    // Most polls find nothing: look without taking the write lock first.
    if (this.store.prepare(pick).get(...args) === undefined) return undefined;
    return this.store.write(() => {
      for (;;) {
        const row = this.store.prepare(pick).get(...args) as Row | undefined;
        if (!row) return undefined;
        const expired = row.status === "running";
        const lostBy = expired ? `The lease of ${row.lease_owner ?? "a worker"} expired (attempt ${row.attempts} of ${row.max_attempts}): its process stopped or stalled.` : null;
        if (row.attempts >= row.max_attempts) {
          this.store
            .prepare("UPDATE jobs SET status = 'failed', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ? WHERE id = ?")
            .run(lostBy ?? `No attempts left (${row.attempts} of ${row.max_attempts}).`, nowIso(), row.id);
          continue;
        }
        this.store
          .prepare(
            `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?,
               started_at = coalesce(started_at, ?), last_error = coalesce(?, last_error) WHERE id = ?`,
          )
          .run(owner, now + leaseMs, now, nowIso(), lostBy, row.id);
        return this.get(row.id);
      }
    });
  }

  /** Extends the lease of a job `owner` holds; false when it no longer holds it (taken over, cancelled, ended). */
  renew(id: string, owner: string, leaseMs: number, now = Date.now()): boolean {
    return this.store.write(
      () =>
        this.store
          .prepare("UPDATE jobs SET lease_expires_at = ?, heartbeat_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'")
          .run(now + leaseMs, now, id, owner).changes === 1,
    );
  }

  /** Records the audit an attempt of this job started (so a takeover knows it); false when `owner` no longer held it. */
  linkAudit(id: string, owner: string, auditId: string): boolean {
    return this.store.write(
      () => this.store.prepare("UPDATE jobs SET audit_id = ? WHERE id = ? AND lease_owner = ? AND status = 'running'").run(auditId, id, owner).changes === 1,
    );
  }

  /** Marks the job done; false when `owner` no longer held it. */
  complete(id: string, owner: string): boolean {
    return this.end(id, owner, "done", null);
  }

  /**
   * Records a failed attempt: the job is queued again while it has attempts left (and `retry`),
   * else it ends as failed with the error. False when `owner` no longer held it.
   */
  fail(id: string, owner: string, error: string, options: { retry?: boolean } = {}): boolean {
    return this.store.write(() => {
      const row = this.store.prepare("SELECT attempts, max_attempts FROM jobs WHERE id = ? AND lease_owner = ? AND status = 'running'").get(id, owner) as
        | { attempts: number; max_attempts: number }
        | undefined;
      if (!row) return false;
      if ((options.retry ?? true) && row.attempts < row.max_attempts) {
        this.store.prepare("UPDATE jobs SET status = 'queued', last_error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?").run(error, id);
        return true;
      }
      return this.end(id, owner, "failed", error);
    });
  }

  /** Gives a job back unfinished (its process is shutting down): queued again, the attempt not counted. */
  release(id: string, owner: string): boolean {
    return this.store.write(
      () =>
        this.store
          .prepare(
            `UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
             WHERE id = ? AND lease_owner = ? AND status = 'running'`,
          )
          .run(id, owner).changes === 1,
    );
  }

  /** Ends a lease at once (its owner is known to be gone), so the next claim takes the job. */
  expireLease(id: string, owner: string, now = Date.now()): boolean {
    return this.store.write(
      () => this.store.prepare("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'").run(now - 1, id, owner).changes === 1,
    );
  }

  /** Running jobs of these kinds with their lease owners (to find owners that are gone). */
  leases(kinds: readonly JobKind[]): { id: string; owner: string }[] {
    const { sql, params } = kindsClause(kinds);
    return this.store.prepare(`SELECT id, lease_owner AS owner FROM jobs WHERE status = 'running' AND lease_owner IS NOT NULL AND ${sql}`).all(...params) as {
      id: string;
      owner: string;
    }[];
  }

  /** How many jobs of these kinds (and run) are queued or running. */
  pending(kinds: readonly JobKind[], runId?: string): number {
    const { sql, params } = kindsClause(kinds);
    const run = runId === undefined ? "" : " AND run_id = ?";
    const row = this.store
      .prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND ${sql}${run}`)
      .get(...params, ...(runId === undefined ? [] : [runId])) as { n: number };
    return row.n;
  }

  /** Cancels the run's queued and running jobs (a running worker notices when it renews); returns how many. */
  cancelRun(runId: string, reason = "The run was cancelled."): number {
    return this.store.write(
      () =>
        this.store
          .prepare(
            `UPDATE jobs SET status = 'cancelled', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?
             WHERE run_id = ? AND status IN ('queued', 'running')`,
          )
          .run(reason, nowIso(), runId).changes,
    );
  }

  /** Cancels one queued or running job; false when it had already ended. */
  cancel(id: string, reason: string): boolean {
    return this.store.write(
      () =>
        this.store
          .prepare(
            `UPDATE jobs SET status = 'cancelled', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?
             WHERE id = ? AND status IN ('queued', 'running')`,
          )
          .run(reason, nowIso(), id).changes === 1,
    );
  }

  /** How many jobs of the run are in each status. */
  countsByRun(runId: string): JobCounts {
    const rows = this.store.prepare("SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = ? GROUP BY status").all(runId) as { status: JobStatus; n: number }[];
    const counts = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, total: 0 };
    for (const { status, n } of rows) {
      counts[status] = n;
      counts.total += n;
    }
    return counts;
  }

  /** The run's jobs, oldest first. */
  listRun(runId: string): JobRecord[] {
    return (this.store.prepare("SELECT * FROM jobs WHERE run_id = ? ORDER BY created_at, rowid").all(runId) as Row[]).map(toRecord);
  }

  private end(id: string, owner: string, status: "done" | "failed", error: string | null): boolean {
    return this.store.write(
      () =>
        this.store
          .prepare(
            `UPDATE jobs SET status = ?, last_error = coalesce(?, last_error), lease_owner = NULL, lease_expires_at = NULL, finished_at = ?
             WHERE id = ? AND lease_owner = ? AND status = 'running'`,
          )
          .run(status, error, nowIso(), id, owner).changes === 1,
    );
  }
}
