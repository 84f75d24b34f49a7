/**
 * Durable jobs (table `jobs`, schema 5): judge runs and the audits of a run, as rows any petri-mcp
 * process on the store can claim. A claim takes the oldest queued job, or a running one whose lease
 * expired, in one transaction (SQLite: IMMEDIATE; PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`),
 * so a job runs at most once at a time. The worker renews its lease while it works; every write
 * after the claim is fenced by `lease_owner`, so a worker whose lease was taken over can no longer
 * end the job. A done, failed or cancelled job is never claimed again.
 *
 * The domain reaches jobs through the store interface: `store.jobs` (a JobRepo), and `tx.jobs`
 * inside `store.transaction` (a judge run and its job are written together).
 */
import { randomUUID } from "node:crypto";

export type JobKind = "judge" | "audit";
export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled";
export const JOB_KINDS: readonly JobKind[] = ["judge", "audit"];
export const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "done", "failed", "cancelled"];

/** Attempts a job gets unless enqueued with another bound. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** The most attempts a command lets a job have (`--max-attempts`). */
export const MAX_JOB_ATTEMPTS = 20;

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

/** Audit jobs of a run with one target and status (the target is the job payload's `target`). */
export interface AuditJobCount {
  target: string;
  status: JobStatus;
  n: number;
}

/** The jobs of the store (every call its own transaction, or part of the open one as `tx.jobs`). */
export interface JobRepo {
  /** Stores a queued job; returns its id. Throws (nothing written) on a bad `maxAttempts`. */
  enqueue(job: NewJob): Promise<string>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * Claims one job of these kinds for `owner`: the oldest queued one, or a running one whose lease
   * expired (its worker stopped). Its attempts grow by one and its lease runs `leaseMs` from `now`.
   * An expired job that has used all its attempts is marked failed instead. Undefined: nothing to do.
   */
  claim(kinds: readonly JobKind[], owner: string, leaseMs: number, filter?: ClaimFilter, now?: number): Promise<JobRecord | undefined>;
  /** Extends the lease of a job `owner` holds; false when it no longer holds it (taken over, cancelled, ended). */
  renew(id: string, owner: string, leaseMs: number, now?: number): Promise<boolean>;
  /** Records the audit an attempt of this job started (so a takeover knows it); false when `owner` no longer held it. */
  linkAudit(id: string, owner: string, auditId: string): Promise<boolean>;
  /** Marks the job done; false when `owner` no longer held it. */
  complete(id: string, owner: string): Promise<boolean>;
  /**
   * Records a failed attempt: the job is queued again while it has attempts left (and `retry`),
   * else it ends as failed with the error. False when `owner` no longer held it.
   */
  fail(id: string, owner: string, error: string, options?: { retry?: boolean }): Promise<boolean>;
  /** Gives a job back unfinished (its process is shutting down): queued again, the attempt not counted. */
  release(id: string, owner: string): Promise<boolean>;
  /** Ends a lease at once (its owner is known to be gone), so the next claim takes the job. */
  expireLease(id: string, owner: string, now?: number): Promise<boolean>;
  /** Running jobs of these kinds with their lease owners (to find owners that are gone). */
  leases(kinds: readonly JobKind[]): Promise<{ id: string; owner: string }[]>;
  /** How many jobs of these kinds (and run) are queued or running. */
  pending(kinds: readonly JobKind[], runId?: string): Promise<number>;
  /** Cancels the run's queued and running jobs (a running worker notices when it renews); returns how many. */
  cancelRun(runId: string, reason?: string): Promise<number>;
  /** Cancels one queued or running job; false when it had already ended. */
  cancel(id: string, reason: string): Promise<boolean>;
  /** Queues a failed or cancelled job again with all its attempts (its last error kept); false when it was not failed or cancelled. */
  requeue(id: string): Promise<boolean>;
  /** How many jobs of the run are in each status. */
  countsByRun(runId: string): Promise<JobCounts>;
  /** The run's jobs, oldest first. */
  listRun(runId: string): Promise<JobRecord[]>;
  /** The run's audit jobs by target and status, ordered by target then status. */
  auditCountsByTarget(runId: string): Promise<AuditJobCount[]>;
}

/** The reason `cancelRun` records unless given another. */
export const RUN_CANCELLED = "The run was cancelled.";

/** A new job id. */
export const newJobId = (): string => `job_${randomUUID()}`;

/** The attempts bound of a new job, checked. */
export function maxAttemptsOf(job: NewJob): number {
  const maxAttempts = job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`max attempts must be a whole number of at least 1 (got ${maxAttempts})`);
  return maxAttempts;
}

/** Known kinds only (kinds never come from SQL text); throws when none is left. */
export function knownKinds(kinds: readonly JobKind[]): JobKind[] {
  const known = kinds.filter((k) => JOB_KINDS.includes(k));
  if (known.length === 0) throw new Error("claim needs at least one job kind");
  return known;
}

/** The error a claim records when it takes over a job whose lease expired. */
export const lostLease = (owner: string | null, attempts: number, maxAttempts: number): string =>
  `The lease of ${owner ?? "a worker"} expired (attempt ${attempts} of ${maxAttempts}): its process stopped or stalled.`;

/** The error of a job that is out of attempts. */
export const noAttemptsLeft = (attempts: number, maxAttempts: number): string => `No attempts left (${attempts} of ${maxAttempts}).`;

