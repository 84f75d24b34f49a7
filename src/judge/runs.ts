/**
 * Judge runs in the store (table judge_runs). A run is written as `running` with its owner (the
 * process running it, `host:pid:random`) and a heartbeat the owner refreshes. Since schema 5 every
 * new run has a job of the same id (src/store/jobs.ts): it stays `running` while that job is queued
 * or running, whichever process works it. A `running` run without a job is stale when its heartbeat
 * is older than `staleMs` or its owner is a process of this host that is gone; with a job, when the
 * job failed, was cancelled or used every attempt. A stale run reads as `interrupted` (never as a
 * score), is never followed by a new judge call, and the next run started on its audit marks it
 * interrupted in the store with the reason.
 */
import type { ChatMessage } from "../core/messages.js";
import type { AuditStore, JobRecord, JudgeRunStatus, RunUsage, StoredJudgeRun, StoreSession } from "../store/types.js";
import type { JudgeOutcome } from "./attempts.js";
import type { Citation } from "./citations.js";
import { type Dimension, fromStoredDimensions, toStoredDimensions } from "./dimensions.js";
import { localPid, processGone } from "../util/owner.js";

export type { JudgeRunStatus, RunUsage };

/** How often a running judge refreshes its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** A run whose heartbeat is silent for three intervals counts as interrupted. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

/** A judge run as the domain reads it: the stored run with typed dimensions and highlights, and a
 * `running` run whose process is gone read as `interrupted`. */
export type JudgeRunRecord = Omit<StoredJudgeRun, "dimensions" | "highlights"> & {
  dimensions: Dimension[];
  /** Null while running. */
  highlights: Citation[] | null;
};

/** What a run's job (absent for runs stored before jobs) says about whether some process will finish it. */
type JobLiveness = Pick<JobRecord, "status" | "attempts" | "maxAttempts" | "leaseExpiresAt" | "lastError">;

/**
 * A run with a job is running while its job is queued or running (a worker finishes it, or takes
 * it over once its lease expires); it is interrupted when the job failed, was cancelled, or used
 * every attempt.
 */
function jobStaleReason(job: JobLiveness, now: number): string | null {
  switch (job.status) {
    case "queued":
      return null;
    case "running": {
      const spent = job.attempts >= job.maxAttempts;
      const expired = (job.leaseExpiresAt ?? 0) < now;
      return spent && expired
        ? `The processes running this judge run stopped before it finished, ${job.attempts} times (every attempt used). Start a new run with judge.`
        : null;
    }
    case "done":
      return "The judge run's job ended without storing a result. Start a new run with judge.";
    default:
      return `${job.lastError ?? "The judge run's job ended without a result."} Start a new run with judge.`;
  }
}

/** Why a `running` run is no longer running (its owner died), or null while it may still be. */
function staleReason(run: StoredJudgeRun, job: JobLiveness | undefined, now: number, staleMs: number): string | null {
  if (run.status !== "running") return null;
  if (job) return jobStaleReason(job, now);
  const pid = localPid(run.owner);
  if (pid !== null && processGone(pid)) {
    return `The process running this judge run (pid ${pid} on this host) stopped before it finished. Start a new run with judge.`;
  }
  if (run.heartbeatAt === null || now - run.heartbeatAt > staleMs) {
    return `The process running this judge run stopped before it finished (no heartbeat for more than ${Math.round(staleMs / 1000)} s). Start a new run with judge.`;
  }
  return null;
}

/**
 * The run whose scores represent the audit (get_audit and the exports agree on it): the latest
 * complete run, else the latest partial one. `runs` in any order.
 */
export function pickScoredRun(runs: readonly JudgeRunRecord[]): JudgeRunRecord | undefined {
  const newestFirst = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return newestFirst.find((r) => r.status === "complete") ?? newestFirst.find((r) => r.status === "partial");
}

export interface NewJudgeRunInput {
  id: string;
  auditId: string;
  judgeModel: string;
  dimensions: readonly Dimension[];
  retries: number;
  judgeConfig?: Record<string, unknown> | null;
  owner: string;
}

/**
 * Judge runs through the store interface. Reads take an optional `session` (a transaction or a
 * snapshot of the same store) so an export reads runs in its own consistent state.
 */
export class JudgeRunStore {
  constructor(
    readonly store: AuditStore,
    readonly staleMs = STALE_AFTER_MS,
  ) {}

  private async liveness(run: StoredJudgeRun, session: StoreSession): Promise<JobLiveness | undefined> {
    if (run.status !== "running") return undefined;
    return session.jobs.get(run.id);
  }

  /**
   * The run as read, and why it is stale. The run and its job are two reads: between them another
   * process may store the run's result and end its job ("done"), which read against the older run
   * row would look like "ended without a result". So a stale verdict holds only if the run, read
   * again after its job, is still running (a run's result is stored before its job ends).
   */
  private async confirmed(run: StoredJudgeRun, session: StoreSession, now: number): Promise<{ run: StoredJudgeRun; stale: string | null }> {
    const stale = staleReason(run, await this.liveness(run, session), now, this.staleMs);
    if (stale === null) return { run, stale };
    const again = await session.judgeRuns.get(run.id);
    return !again || again.status === "running" ? { run, stale } : { run: again, stale: null };
  }

  private async toRecord(read: StoredJudgeRun, session: StoreSession, now: number): Promise<JudgeRunRecord> {
    const { run, stale } = await this.confirmed(read, session, now);
    return {
      ...run,
      status: stale !== null ? "interrupted" : run.status,
      dimensions: fromStoredDimensions(run.dimensions),
      highlights: run.highlights as Citation[] | null,
      error: run.error ?? stale,
    };
  }

  private async isStale(run: StoredJudgeRun, session: StoreSession, now: number): Promise<string | null> {
    return (await this.confirmed(run, session, now)).stale;
  }

  /**
   * Stores a new running run with its queued job (same id), in one transaction. Stale runs of the
   * same audit are marked interrupted, with the reason.
   */
  async create(run: NewJudgeRunInput, now = Date.now()): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const old of await tx.judgeRuns.running(run.auditId)) {
        const reason = await this.isStale(old, tx, now);
        if (reason !== null) await tx.judgeRuns.interrupt(old.id, reason);
      }
      await tx.judgeRuns.insert({
        id: run.id,
        auditId: run.auditId,
        judgeModel: run.judgeModel,
        dimensions: toStoredDimensions(run.dimensions),
        retries: run.retries,
        judgeConfig: run.judgeConfig ?? null,
        owner: run.owner,
        now,
      });
      await tx.jobs.enqueue({ id: run.id, kind: "judge", auditId: run.auditId, payload: {} });
      await tx.audits.touch(run.auditId);
    });
  }

  /**
   * Makes `owner` the process running this run (a worker that claimed its job): its attempt starts
   * again. False when the run is no longer running.
   */
  takeOver(id: string, owner: string, now = Date.now()): Promise<boolean> {
    return this.store.judgeRuns.takeOver(id, owner, now);
  }

  heartbeat(id: string, owner: string, now = Date.now()): Promise<boolean> {
    return this.store.judgeRuns.heartbeat(id, owner, now);
  }

  /** Records that an attempt started, with the judge view so far. */
  progress(id: string, owner: string, attempts: number, messages: readonly ChatMessage[], now = Date.now()): Promise<void> {
    return this.store.judgeRuns.progress(id, owner, attempts, messages, now);
  }

  /** Stores the outcome if `owner` still runs it (and marks the audit changed); false otherwise. */
  finish(id: string, auditId: string, owner: string, outcome: JudgeOutcome): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const { warnings: _warnings, ...result } = outcome;
      const stored = await tx.judgeRuns.finish(id, owner, result);
      if (stored) await tx.audits.touch(auditId);
      return stored;
    });
  }

  async get(id: string, session: StoreSession = this.store, now = Date.now()): Promise<JudgeRunRecord | undefined> {
    const run = await session.judgeRuns.get(id);
    return run ? this.toRecord(run, session, now) : undefined;
  }

  /** The audit's runs, newest first, without the bulky `response` and `messages` (use get for those). */
  async list(auditId: string, session: StoreSession = this.store, now = Date.now()): Promise<JudgeRunRecord[]> {
    const runs = await session.judgeRuns.forAudit(auditId);
    return Promise.all(runs.map((r) => this.toRecord(r, session, now)));
  }

  /** The audit's runs, oldest first, complete with `response` and `messages` (for exports). */
  async listAll(auditId: string, session: StoreSession = this.store, now = Date.now()): Promise<JudgeRunRecord[]> {
    const runs = await session.judgeRuns.allForAudit(auditId);
    return Promise.all(runs.map((r) => this.toRecord(r, session, now)));
  }

  /**
   * A live run of this audit with the same model and dimensions, if one is under way: its heartbeat
   * is fresh and, when its owner runs on this host, that process is still there. Stale runs are
   * never returned (a new judge call starts its own run, which marks them interrupted).
   */
  async findRunning(auditId: string, judgeModel: string, dimensions: readonly Dimension[], now = Date.now()): Promise<JudgeRunRecord | undefined> {
    for (const run of await this.store.judgeRuns.runningLike(auditId, judgeModel, toStoredDimensions(dimensions))) {
      if ((await this.isStale(run, this.store, now)) === null) return this.toRecord(run, this.store, now);
    }
    return undefined;
  }

  usage(id: string): Promise<RunUsage> {
    return this.store.modelCalls.usageOfJudgeRun(id);
  }
}
