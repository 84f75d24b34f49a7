/** A `jobs` row as both backends return it, and the JobRecord it becomes. */
import type { JobKind, JobRecord, JobStatus } from "./jobs.js";

export interface JobRow {
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

export function toJobRecord(row: JobRow): JobRecord {
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

/** Counts of no job in any status. */
export function emptyJobCounts() {
  return { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, total: 0 };
}
