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
import type { ChatMessage } from "../audit/messages.js";
import { type AuditStore, nowIso } from "../store/audit-store.js";
import type { JudgeOutcome } from "./attempts.js";
import type { Citation } from "./citations.js";
import { type Dimension, type StoredDimension, fromStoredDimensions, toStoredDimensions } from "./dimensions.js";
import { localPid, processGone } from "../util/owner.js";
import type { JudgeRunRow } from "../store/rows.js";

export type JudgeRunStatus = "running" | "complete" | "partial" | "failed" | "interrupted";

/** How often a running judge refreshes its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** A run whose heartbeat is silent for three intervals counts as interrupted. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

export interface JudgeRunRecord {
  id: string;
  auditId: string;
  /** The status as stored, except that a `running` run with a stale heartbeat reads `interrupted`. */
  status: JudgeRunStatus;
  judgeModel: string;
  dimensions: Dimension[];
  retries: number;
  /** The judge's generation settings (null: the defaults). */
  judgeConfig: Record<string, unknown> | null;
  attempts: number;
  /** Null while running; `{}` when nothing could be scored. */
  scores: Record<string, number> | null;
  missing: string[] | null;
  summary: string | null;
  justification: string | null;
  highlights: Citation[] | null;
  response: string | null;
  messages: ChatMessage[] | null;
  error: string | null;
  owner: string | null;
  heartbeatAt: number | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunUsage {
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Null when no call had a known price. */
  costUsd: number | null;
}

/** The stored row (src/store/rows.ts): one definition for the old store and the new interface. */
type Row = JudgeRunRow;

/** The run's job (schema 5; absent for runs stored before jobs): whether some process will finish it. */
interface JobColumns {
  job_status?: string | null;
  job_attempts?: number | null;
  job_max_attempts?: number | null;
  job_lease_expires_at?: number | null;
  job_last_error?: string | null;
}

type Liveness = Pick<Row, "status" | "owner" | "heartbeat_at"> & JobColumns;

/** Every column of judge_runs with the liveness columns of the run's job. */
const WITH_JOB = `judge_runs.*, j.status AS job_status, j.attempts AS job_attempts, j.max_attempts AS job_max_attempts,
  j.lease_expires_at AS job_lease_expires_at, j.last_error AS job_last_error
  FROM judge_runs LEFT JOIN jobs j ON j.id = judge_runs.id`;

/**
 * A run with a job is running while its job is queued or running (a worker finishes it, or takes
 * it over once its lease expires); it is interrupted when the job failed, was cancelled, or used
 * every attempt.
 */
function jobStaleReason(row: Liveness, now: number): string | null {
  switch (row.job_status) {
    case "queued":
      return null;
    case "running": {
      const spent = (row.job_attempts ?? 0) >= (row.job_max_attempts ?? 1);
      const expired = (row.job_lease_expires_at ?? 0) < now;
      return spent && expired
        ? `The processes running this judge run stopped before it finished, ${row.job_attempts} times (every attempt used). Start a new run with judge.`
        : null;
    }
    case "done":
      return "The judge run's job ended without storing a result. Start a new run with judge.";
    default:
      return `${row.job_last_error ?? "The judge run's job ended without a result."} Start a new run with judge.`;
  }
}

/** Why a `running` run is no longer running (its owner died), or null while it may still be. */
function staleReason(row: Liveness, now: number, staleMs: number): string | null {
  if (row.status !== "running") return null;
  if (row.job_status !== undefined && row.job_status !== null) return jobStaleReason(row, now);
  const pid = localPid(row.owner);
  if (pid !== null && processGone(pid)) {
    return `The process running this judge run (pid ${pid} on this host) stopped before it finished. Start a new run with judge.`;
  }
  if (row.heartbeat_at === null || now - row.heartbeat_at > staleMs) {
    return `The process running this judge run stopped before it finished (no heartbeat for more than ${Math.round(staleMs / 1000)} s). Start a new run with judge.`;
  }
  return null;
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/**
 * The run whose scores represent the audit (get_audit and the exports agree on it): the latest
 * complete run, else the latest partial one. `runs` in any order.
 */
export function pickScoredRun(runs: readonly JudgeRunRecord[]): JudgeRunRecord | undefined {
  const newestFirst = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return newestFirst.find((r) => r.status === "complete") ?? newestFirst.find((r) => r.status === "partial");
}

export class JudgeRunStore {
  constructor(
    readonly store: AuditStore,
    readonly staleMs = STALE_AFTER_MS,
  ) {}

  private toRecord(row: Row & JobColumns, now: number): JudgeRunRecord {
    const stale = staleReason(row, now, this.staleMs);
    return {
      id: row.id,
      auditId: row.audit_id,
      status: stale !== null ? "interrupted" : row.status,
      judgeModel: row.judge_model,
      dimensions: fromStoredDimensions(JSON.parse(row.dimensions) as StoredDimension[]),
      retries: row.retries,
      judgeConfig: row.judge_config ? (JSON.parse(row.judge_config) as Record<string, unknown>) : null,
      attempts: row.attempts,
      scores: parseJson(row.scores),
      missing: parseJson(row.missing),
      summary: row.summary,
      justification: row.justification,
      highlights: parseJson(row.highlights),
      response: row.response,
      messages: parseJson(row.messages),
      error: row.error ?? stale,
      owner: row.owner,
      heartbeatAt: row.heartbeat_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  /** Stores a new running run. Stale runs of the same audit are marked interrupted, with the reason. */
  create(
    run: { id: string; auditId: string; judgeModel: string; dimensions: readonly Dimension[]; retries: number; judgeConfig?: Record<string, unknown> | null; owner: string },
    now = Date.now(),
  ): void {
    this.store.write(() => {
      const running = this.store.prepare(`SELECT ${WITH_JOB} WHERE judge_runs.audit_id = ? AND judge_runs.status = 'running'`).all(run.auditId) as (Liveness & { id: string })[];
      for (const row of running) {
        const reason = staleReason(row, now, this.staleMs);
        if (reason === null) continue;
        this.store.prepare("UPDATE judge_runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status = 'running'").run(nowIso(), reason, row.id);
      }
      this.store.prepare(
          `INSERT INTO judge_runs (id, audit_id, status, judge_model, dimensions, retries, judge_config, attempts, owner, heartbeat_at, started_at)
           VALUES (?, ?, 'running', ?, ?, ?, ?, 0, ?, ?, ?)`,
        )
        .run(run.id, run.auditId, run.judgeModel, JSON.stringify(toStoredDimensions(run.dimensions)), run.retries, run.judgeConfig ? JSON.stringify(run.judgeConfig) : null, run.owner, now, nowIso());
      this.store.touch(run.auditId);
    });
  }

  /**
   * Makes `owner` the process running this run (a worker that claimed its job): its attempt starts
   * again. False when the run is no longer running.
   */
  takeOver(id: string, owner: string, now = Date.now()): boolean {
    return this.store.write(
      () =>
        this.store
          .prepare("UPDATE judge_runs SET owner = ?, heartbeat_at = ?, attempts = 0, messages = NULL, error = NULL WHERE id = ? AND status = 'running'")
          .run(owner, now, id).changes === 1,
    );
  }

  heartbeat(id: string, owner: string, now = Date.now()): boolean {
    return this.store.write(() => this.store.prepare("UPDATE judge_runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'").run(now, id, owner).changes === 1);
  }

  /** Records that an attempt started, with the judge view so far. */
  progress(id: string, owner: string, attempts: number, messages: readonly ChatMessage[], now = Date.now()): void {
    this.store.write(() =>
      this.store.prepare("UPDATE judge_runs SET attempts = ?, messages = ?, heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'")
        .run(attempts, JSON.stringify(messages), now, id, owner),
    );
  }

  finish(id: string, owner: string, outcome: JudgeOutcome): boolean {
    return this.store.write(() => {
      const changed = this.store.prepare(
          `UPDATE judge_runs SET status = ?, attempts = ?, scores = ?, missing = ?, summary = ?, justification = ?, highlights = ?,
             response = ?, messages = ?, error = ?, finished_at = ?
           WHERE id = ? AND owner = ? AND status = 'running'`,
        )
        .run(
          outcome.status,
          outcome.attempts,
          JSON.stringify(outcome.scores),
          JSON.stringify(outcome.missing),
          outcome.summary,
          outcome.justification,
          JSON.stringify(outcome.highlights),
          outcome.response,
          JSON.stringify(outcome.messages),
          outcome.error,
          nowIso(),
          id,
          owner,
        ).changes;
      if (changed === 1) {
        const auditId = (this.store.prepare("SELECT audit_id FROM judge_runs WHERE id = ?").get(id) as { audit_id: string }).audit_id;
        this.store.touch(auditId);
      }
      return changed === 1;
    });
  }

  get(id: string, now = Date.now()): JudgeRunRecord | undefined {
    const row = this.store.prepare(`SELECT ${WITH_JOB} WHERE judge_runs.id = ?`).get(id) as (Row & JobColumns) | undefined;
    return row ? this.toRecord(row, now) : undefined;
  }

  /** The audit's runs, newest first, without the bulky `response` and `messages` (use get for those). */
  list(auditId: string, now = Date.now()): JudgeRunRecord[] {
    const rows = this.store.prepare(
        `SELECT r.id, r.audit_id, r.status, r.judge_model, r.dimensions, r.retries, r.attempts, r.scores, r.missing, r.summary,
           r.justification, r.highlights, NULL AS response, NULL AS messages, r.error, r.owner, r.heartbeat_at, r.started_at, r.finished_at,
           j.status AS job_status, j.attempts AS job_attempts, j.max_attempts AS job_max_attempts, j.lease_expires_at AS job_lease_expires_at,
           j.last_error AS job_last_error
         FROM judge_runs r LEFT JOIN jobs j ON j.id = r.id WHERE r.audit_id = ? ORDER BY r.started_at DESC, r.rowid DESC`,
      )
      .all(auditId) as Row[];
    return rows.map((r) => this.toRecord(r, now));
  }

  /** The audit's runs, oldest first, complete with `response` and `messages` (for exports). */
  listAll(auditId: string, now = Date.now()): JudgeRunRecord[] {
    const rows = this.store.prepare(`SELECT ${WITH_JOB} WHERE judge_runs.audit_id = ? ORDER BY judge_runs.started_at, judge_runs.rowid`).all(auditId) as Row[];
    return rows.map((r) => this.toRecord(r, now));
  }

  /**
   * A live run of this audit with the same model and dimensions, if one is under way: its heartbeat
   * is fresh and, when its owner runs on this host, that process is still there. Stale runs are
   * never returned (a new judge call starts its own run, which marks them interrupted).
   */
  findRunning(auditId: string, judgeModel: string, dimensions: readonly Dimension[], now = Date.now()): JudgeRunRecord | undefined {
    const json = JSON.stringify(toStoredDimensions(dimensions));
    const rows = this.store.prepare(
        `SELECT ${WITH_JOB} WHERE judge_runs.audit_id = ? AND judge_runs.status = 'running' AND judge_model = ? AND dimensions = ?
         ORDER BY judge_runs.started_at DESC, judge_runs.rowid DESC`,
      )
      .all(auditId, judgeModel, json) as Row[];
    const live = rows.find((row) => staleReason(row, now, this.staleMs) === null);
    return live ? this.toRecord(live, now) : undefined;
  }

  usage(id: string): RunUsage {
    const row = this.store.prepare(
        `SELECT COUNT(*) AS calls, COUNT(error_kind) AS errors, COALESCE(SUM(input_tokens), 0) AS input_tokens,
           COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, SUM(cost_usd) AS cost_usd
         FROM model_calls WHERE role = 'judge' AND ref = ?`,
      )
      .get(id) as { calls: number; errors: number; input_tokens: number; output_tokens: number; reasoning_tokens: number; cost_usd: number | null };
    return {
      calls: row.calls,
      errors: row.errors,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      reasoningTokens: row.reasoning_tokens,
      costUsd: row.cost_usd,
    };
  }
}
