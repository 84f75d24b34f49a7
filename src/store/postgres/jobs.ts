/**
 * The jobs of the PostgreSQL store (see src/store/jobs.ts). A claim picks its job with
 * `SELECT … FOR UPDATE SKIP LOCKED` in its transaction: claimers on other connections skip a row
 * another is taking, so each job goes to one of them. Jobs are ordered by `created_at`, then `ord`
 * (insertion order, as SQLite's rowid).
 */
import { nowIso } from "../../util/time.js";
import { emptyJobCounts, type JobRow, toJobRecord } from "../job-rows.js";
import { type JobKind, type JobRepo, knownKinds, lostLease, maxAttemptsOf, newJobId, noAttemptsLeft, RUN_CANCELLED } from "../jobs.js";
import type { PgExec, Query } from "./query.js";

const ORDER = `created_at COLLATE "C", ord`;
const CANCEL = "UPDATE jobs SET status = 'cancelled', last_error = $1, lease_owner = NULL, lease_expires_at = NULL, finished_at = $2";

async function get(q: Query, id: string) {
  const row = (await q("SELECT * FROM jobs WHERE id = $1", [id])).rows[0] as JobRow | undefined;
  return row ? toJobRecord(row) : undefined;
}

async function end(q: Query, id: string, owner: string, status: "done" | "failed", error: string | null): Promise<boolean> {
  const { rowCount } = await q(
    `UPDATE jobs SET status = $1, last_error = coalesce($2, last_error), lease_owner = NULL, lease_expires_at = NULL, finished_at = $3
     WHERE id = $4 AND lease_owner = $5 AND status = 'running'`,
    [status, error, nowIso(), id, owner],
  );
  return rowCount === 1;
}

export function pgJobRepo(exec: PgExec): JobRepo {
  const { read, write } = exec;
  return {
    enqueue: async (job) => {
      const id = job.id ?? newJobId();
      const maxAttempts = maxAttemptsOf(job);
      return write(async (q) => {
        await q(
          `INSERT INTO jobs (id, kind, run_id, audit_id, payload, status, attempts, max_attempts, created_at)
           VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7)`,
          [id, job.kind, job.runId ?? null, job.auditId ?? null, JSON.stringify(job.payload ?? {}), maxAttempts, nowIso()],
        );
        return id;
      });
    },
    get: (id) => read((q) => get(q, id)),
    claim: async (kinds, owner, leaseMs, filter = {}, now = Date.now()) => {
      const params: unknown[] = [knownKinds(kinds), now];
      let where = "kind = ANY($1::text[]) AND (status = 'queued' OR (status = 'running' AND lease_expires_at < $2))";
      if (filter.runId !== undefined) where += ` AND run_id = $${params.push(filter.runId)}`;
      if (filter.jobId !== undefined) where += ` AND id = $${params.push(filter.jobId)}`;
      const pick = `SELECT * FROM jobs WHERE ${where} ORDER BY ${ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED`;
      return write(async (q) => {
        for (;;) {
          const row = (await q(pick, params)).rows[0] as JobRow | undefined;
          if (!row) return undefined;
          const lostBy = row.status === "running" ? lostLease(row.lease_owner, row.attempts, row.max_attempts) : null;
          if (row.attempts >= row.max_attempts) {
            await q("UPDATE jobs SET status = 'failed', last_error = $1, lease_owner = NULL, lease_expires_at = NULL, finished_at = $2 WHERE id = $3", [
              lostBy ?? noAttemptsLeft(row.attempts, row.max_attempts),
              nowIso(),
              row.id,
            ]);
            continue;
          }
          const { rows } = await q(
            `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_expires_at = $2, heartbeat_at = $3,
               started_at = coalesce(started_at, $4), last_error = coalesce($5, last_error) WHERE id = $6 RETURNING *`,
            [owner, now + leaseMs, now, nowIso(), lostBy, row.id],
          );
          return toJobRecord(rows[0] as JobRow);
        }
      });
    },
    renew: (id, owner, leaseMs, now = Date.now()) =>
      write(
        async (q) =>
          (await q("UPDATE jobs SET lease_expires_at = $1, heartbeat_at = $2 WHERE id = $3 AND lease_owner = $4 AND status = 'running'", [now + leaseMs, now, id, owner]))
            .rowCount === 1,
      ),
    linkAudit: (id, owner, auditId) =>
      write(async (q) => (await q("UPDATE jobs SET audit_id = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'", [auditId, id, owner])).rowCount === 1),
    complete: (id, owner) => write((q) => end(q, id, owner, "done", null)),
    fail: (id, owner, error, options = {}) =>
      write(async (q) => {
        const row = (await q("SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND lease_owner = $2 AND status = 'running' FOR UPDATE", [id, owner])).rows[0];
        if (!row) return false;
        if ((options.retry ?? true) && row.attempts < row.max_attempts) {
          await q("UPDATE jobs SET status = 'queued', last_error = $1, lease_owner = NULL, lease_expires_at = NULL WHERE id = $2", [error, id]);
          return true;
        }
        return end(q, id, owner, "failed", error);
      }),
    release: (id, owner) =>
      write(
        async (q) =>
          (
            await q(
              `UPDATE jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
               WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
              [id, owner],
            )
          ).rowCount === 1,
      ),
    expireLease: (id, owner, now = Date.now()) =>
      write(async (q) => (await q("UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'", [now - 1, id, owner])).rowCount === 1),
    leases: (kinds) =>
      read(async (q) => {
        const { rows } = await q("SELECT id, lease_owner AS owner FROM jobs WHERE status = 'running' AND lease_owner IS NOT NULL AND kind = ANY($1::text[])", [knownKinds(kinds)]);
        return rows as { id: string; owner: string }[];
      }),
    pending: (kinds: readonly JobKind[], runId?: string) =>
      read(async (q) => {
        const run = runId === undefined ? "" : " AND run_id = $2";
        const params = runId === undefined ? [knownKinds(kinds)] : [knownKinds(kinds), runId];
        return Number((await q(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND kind = ANY($1::text[])${run}`, params)).rows[0].n);
      }),
    cancelRun: (runId, reason = RUN_CANCELLED) =>
      write(async (q) => (await q(`${CANCEL} WHERE run_id = $3 AND status IN ('queued', 'running')`, [reason, nowIso(), runId])).rowCount ?? 0),
    cancel: (id, reason) => write(async (q) => (await q(`${CANCEL} WHERE id = $3 AND status IN ('queued', 'running')`, [reason, nowIso(), id])).rowCount === 1),
    requeue: (id) =>
      write(
        async (q) =>
          (
            await q(
              `UPDATE jobs SET status = 'queued', attempts = 0, lease_owner = NULL, lease_expires_at = NULL, finished_at = NULL
               WHERE id = $1 AND status IN ('failed', 'cancelled')`,
              [id],
            )
          ).rowCount === 1,
      ),
    countsByRun: (runId) =>
      read(async (q) => {
        const counts = emptyJobCounts();
        for (const { status, n } of (await q("SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = $1 GROUP BY status", [runId])).rows) {
          counts[status as keyof typeof counts] = Number(n);
          counts.total += Number(n);
        }
        return counts;
      }),
    listRun: (runId) => read(async (q) => ((await q(`SELECT * FROM jobs WHERE run_id = $1 ORDER BY ${ORDER}`, [runId])).rows as JobRow[]).map(toJobRecord)),
    auditCountsByTarget: (runId) =>
      read(async (q) => {
        const { rows } = await q(
          `SELECT target, status, n FROM (
             SELECT coalesce(payload::jsonb ->> 'target', '') AS target, status, COUNT(*) AS n FROM jobs WHERE run_id = $1 AND kind = 'audit' GROUP BY 1, 2
           ) counts ORDER BY target COLLATE "C", status COLLATE "C"`,
          [runId],
        );
        return rows.map((r) => ({ target: r.target, status: r.status, n: Number(r.n) }));
      }),
  };
}
