/**
 * The store boundary: what the domain needs from the AuditStore, in domain terms, async, with no
 * SQL and no driver types. Two implementations: src/store/sqlite/ (one file, better-sqlite3) and
 * src/store/postgres/ (`pg`, many processes on many machines). `openStore` (src/store/index.ts)
 * picks one from a path or a postgres:// URL.
 *
 * Every method of the store runs in its own transaction; `transaction(fn)` runs several in one
 * (all or nothing), `snapshot(fn)` reads several from one consistent state. Failures of the
 * database itself are `StoreError`s (kind busy | full | read-only | corrupt | unavailable); a
 * refused turn is a `TurnRefusedError` (src/store/errors.ts).
 */
import type { ChatMessage } from "../core/messages.js";
import type { AuditEvent } from "../core/events.js";
import type { StoredTool } from "../audit/synthetic-tools.js";
import type { AuditRecord, AuditStatus, ListAuditsFilter, ModelCallRecord, NewAudit, RoleUsage, StoredEvent, StoredMessage, TreeView } from "./records.js";

export type { AuditRecord, AuditStatus, ListAuditsFilter, ModelCallRecord, NewAudit, RoleUsage, StoredEvent, StoredMessage, TreeView, TurnLimit } from "./records.js";
export { AUDIT_STATUSES } from "./records.js";
import type { JobRepo } from "./jobs.js";
import type { RunStatusRepo } from "./run-status.js";
export type { AuditJobCount, ClaimFilter, JobCounts, JobKind, JobRecord, JobRepo, JobStatus, NewJob } from "./jobs.js";
export type { AuditSpending, RunSpending, RunStatusRepo, StoredRun, TargetUsage } from "./run-status.js";

export type StoreBackend = "sqlite" | "postgres";

export interface RunListing {
  runId: string;
  audits: number;
  firstCreatedAt: string;
  lastUpdatedAt: string;
}

export interface LeaseHolder {
  owner: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** An event as written: one of the typed events of src/core/events.ts. */
export type NewEvent = AuditEvent;

// ---- judge runs ---------------------------------------------------------------------------------

export type JudgeRunStatus = "running" | "complete" | "partial" | "failed" | "interrupted";

/** A judge dimension as stored (the JSON of `judge_runs.dimensions`). */
export interface StoredDimension {
  name: string;
  title: string;
  description: string;
  higher_is_better: boolean;
}

export interface NewJudgeRun {
  id: string;
  auditId: string;
  judgeModel: string;
  dimensions: readonly StoredDimension[];
  retries: number;
  judgeConfig?: Record<string, unknown> | null;
  /** The process running it (`host:pid:random`). */
  owner: string;
  /** Epoch milliseconds of the first heartbeat. */
  now: number;
}

/** A judge run as stored: `status` is the stored one (the domain decides when `running` is stale). */
export interface StoredJudgeRun {
  id: string;
  auditId: string;
  status: JudgeRunStatus;
  judgeModel: string;
  dimensions: StoredDimension[];
  retries: number;
  judgeConfig: Record<string, unknown> | null;
  attempts: number;
  scores: Record<string, number> | null;
  missing: string[] | null;
  summary: string | null;
  justification: string | null;
  /** Petri `Citation` objects (src/judge/citations.ts). */
  highlights: unknown[] | null;
  /** Null in listings (`forAudit`); present from `get` and `allForAudit`. */
  response: string | null;
  messages: ChatMessage[] | null;
  error: string | null;
  owner: string | null;
  heartbeatAt: number | null;
  startedAt: string;
  finishedAt: string | null;
}

/** What a finished judge run stores (the domain's JudgeOutcome). */
export interface JudgeRunResult {
  status: Exclude<JudgeRunStatus, "running" | "interrupted">;
  attempts: number;
  scores: Record<string, number>;
  missing: string[];
  summary: string | null;
  justification: string | null;
  highlights: unknown[];
  response: string | null;
  messages: ChatMessage[];
  error: string | null;
}

/** A judge run as a run's report reads it: no rubric texts, transcript or answer. */
export interface JudgeRunScores {
  id: string;
  auditId: string;
  /** As stored (a `running` run has no scores either way). */
  status: JudgeRunStatus;
  judgeModel: string;
  scores: Record<string, number> | null;
  error: string | null;
  startedAt: string;
  /** The run's dimension names (runs with the same dimensions share one array). */
  dimensions: string[];
  /** Those of its dimensions where a high score is good. */
  higherIsBetter: string[];
}

/** Model calls of one judge run, added up. */
export interface RunUsage {
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Null when no call had a known price. */
  costUsd: number | null;
}

// ---- realism checks -----------------------------------------------------------------------------

export type RealismDecision = "approve" | "reject" | "error";

export interface NewRealismCheck {
  auditId: string;
  tool: string;
  toolCallId: string | null;
  arguments: Record<string, unknown>;
  /** The audit's `version` when the action was proposed. */
  auditVersion: number;
  threshold: number;
  model: string;
  messages: ChatMessage[];
  /** Stored as the error until `complete` (a process dying mid-call leaves an honest error). */
  unfinishedError: string;
}

export interface RealismCheckResult {
  decision: RealismDecision;
  score: number | null;
  feedback: string | null;
  rawResponse: string | null;
  messages: ChatMessage[];
  error: string | null;
}

export interface StoredRealismCheck {
  id: number;
  auditId: string;
  tool: string;
  toolCallId: string | null;
  arguments: Record<string, unknown>;
  /** -1 when the row predates the field. */
  auditVersion: number;
  decision: RealismDecision;
  score: number | null;
  threshold: number;
  feedback: string | null;
  rawResponse: string | null;
  messages: ChatMessage[];
  model: string;
  error: string | null;
  createdAt: string;
  /** From the check's model call; null when no call was recorded. */
  usage: { inputTokens: number | null; outputTokens: number | null; costUsd: number | null; latencyMs: number } | null;
}

export interface RealismStats {
  checks: number;
  rejections: number;
  errors: number;
  /** Scores of the checks that produced one, ascending. */
  scores: number[];
}

// ---- the repositories -----------------------------------------------------------------------------

export interface AuditRepo {
  /** Creates the audit with empty heads for its three views. */
  create(input: NewAudit): Promise<AuditRecord>;
  get(id: string): Promise<AuditRecord | undefined>;
  /** Newest first; `total` counts every match. */
  list(filter?: ListAuditsFilter): Promise<{ audits: AuditRecord[]; total: number }>;
  /** Audit ids starting with `prefix` (taken literally), newest first. */
  idsStartingWith(prefix: string, limit?: number): Promise<string[]>;
  /** The runs (`runId` of audits), newest first. */
  runs(limit?: number): Promise<RunListing[]>;
  /** Marks the audit changed (version + 1, updated_at) and notifies `onChange` listeners. */
  touch(id: string): Promise<void>;
  setStatus(id: string, status: AuditStatus, reason?: string | null): Promise<void>;
  setAuditorModel(id: string, auditorModel: string): Promise<void>;
  /** Counts one turn; returns the new count. */
  addTurn(id: string): Promise<number>;
}

export interface LeaseRepo {
  /** Takes the lease if it is free, expired or already `owner`'s. */
  acquire(auditId: string, owner: string, ttlMs: number, now?: number): Promise<boolean>;
  renew(auditId: string, owner: string, ttlMs: number, now?: number): Promise<boolean>;
  release(auditId: string, owner: string): Promise<void>;
  /** The holder of a live lease, if any. */
  holder(auditId: string, now?: number): Promise<LeaseHolder | null>;
}

export interface MessageRepo {
  head(auditId: string, view: TreeView): Promise<number | null>;
  /** Moves the head (a rollback); nothing is deleted. */
  setHead(auditId: string, view: TreeView, seq: number | null): Promise<void>;
  /** Root..head (default: the current head). */
  branch(auditId: string, view: TreeView, headSeq?: number | null): Promise<readonly StoredMessage[]>;
  get(seq: number): Promise<StoredMessage | undefined>;
  /** Every message ever written to the view, in write order (all branches). */
  all(auditId: string, view: TreeView): Promise<StoredMessage[]>;
  /** Leaves of the view's tree. */
  branchCount(auditId: string, view: TreeView): Promise<number>;
  /** Appends a chain under `parentSeq` (default: the head; null: a new root) and moves the head to its end. */
  append(auditId: string, view: TreeView, messages: ChatMessage[], parentSeq?: number | null): Promise<StoredMessage[]>;
  /** Target replies (assistant messages that are not prefill, every branch) of the audit. */
  targetReplies(auditId: string): Promise<number>;
}

export interface ToolRepo {
  list(auditId: string): Promise<StoredTool[]>;
  /** Adds or replaces; true when it replaced one. */
  upsert(auditId: string, tool: StoredTool): Promise<boolean>;
  remove(auditId: string, name: string): Promise<boolean>;
}

export interface EventRepo {
  add(auditId: string, event: NewEvent): Promise<void>;
  list(auditId: string): Promise<StoredEvent[]>;
}

export interface ModelCallRepo {
  record(call: ModelCallRecord): Promise<void>;
  /** The audit's calls in order (the first `limit`). */
  forAudit(auditId: string, limit?: number): Promise<ModelCallRecord[]>;
  usageByRole(auditId: string): Promise<RoleUsage[]>;
  /** The judge calls of one judge run, added up. */
  usageOfJudgeRun(runId: string): Promise<RunUsage>;
}

export interface JudgeRunRepo {
  insert(run: NewJudgeRun): Promise<void>;
  /** The audit's runs stored as `running` (the domain decides which are stale). */
  running(auditId: string): Promise<StoredJudgeRun[]>;
  /** `running` runs of the audit with this model and these dimensions, newest first. */
  runningLike(auditId: string, judgeModel: string, dimensions: readonly StoredDimension[]): Promise<StoredJudgeRun[]>;
  /** Marks a running run interrupted with the reason; false when it was not running. */
  interrupt(id: string, reason: string): Promise<boolean>;
  heartbeat(id: string, owner: string, now: number): Promise<boolean>;
  /** Makes `owner` the process running it (a worker took its job over): attempts, messages and error cleared; false when not running. */
  takeOver(id: string, owner: string, now: number): Promise<boolean>;
  /** An attempt started: its count and the judge view so far. */
  progress(id: string, owner: string, attempts: number, messages: readonly ChatMessage[], now: number): Promise<void>;
  /** Stores the result if `owner` still runs it; false otherwise. */
  finish(id: string, owner: string, result: JudgeRunResult): Promise<boolean>;
  get(id: string): Promise<StoredJudgeRun | undefined>;
  /** Newest first, without `response` and `messages`. */
  forAudit(auditId: string): Promise<StoredJudgeRun[]>;
  /** Oldest first, complete (exports). */
  allForAudit(auditId: string): Promise<StoredJudgeRun[]>;
  /** Whether the audit has a complete run (`judge --all --unjudged`). */
  hasComplete(auditId: string): Promise<boolean>;
  /** Every judge run of the audits of a `petri-mcp audit` run (`runId`), oldest first (run reports). */
  scoresOfRun(runId: string): Promise<JudgeRunScores[]>;
}

export interface RealismCheckRepo {
  /** Writes a check that has not run yet; returns its id (the `ref` of its model call). */
  insertUnfinished(check: NewRealismCheck): Promise<number>;
  complete(id: number, result: RealismCheckResult): Promise<void>;
  /** Oldest first, with the usage of each check's model call. */
  forAudit(auditId: string): Promise<StoredRealismCheck[]>;
  /** The most recent check that produced a score. */
  latestScored(auditId: string): Promise<StoredRealismCheck | undefined>;
  stats(auditId: string): Promise<RealismStats>;
}

/** The design of a `petri-mcp audit` run (table `runs`): a JSON object the store keeps whole. */
/** With where runs stand and their budgets (RunStatusRepo, src/store/run-status.ts). */
export interface RunRepo extends RunStatusRepo {
  /** Records or replaces the run's design. */
  saveDesign(runId: string, design: Record<string, unknown>): Promise<void>;
  design(runId: string): Promise<Record<string, unknown> | null>;
  /** Target replies per audit of the run (see MessageRepo.targetReplies). */
  targetReplies(runId: string): Promise<Map<string, number>>;
}

/** Everything the domain reads and writes; inside `transaction`, these all join one transaction. */
export interface StoreSession {
  readonly audits: AuditRepo;
  readonly leases: LeaseRepo;
  readonly messages: MessageRepo;
  readonly tools: ToolRepo;
  readonly events: EventRepo;
  readonly modelCalls: ModelCallRepo;
  readonly judgeRuns: JudgeRunRepo;
  readonly realismChecks: RealismCheckRepo;
  readonly runs: RunRepo;
  /** Durable jobs (src/store/jobs.ts). */
  readonly jobs: JobRepo;
}

// ---- the turn protocol --------------------------------------------------------------------------

export interface TurnState {
  audit: AuditRecord;
  headSeq: number | null;
  branch: readonly StoredMessage[];
  /** Another client's live lease, if any. */
  holder: LeaseHolder | null;
}

export interface BeginTurnOptions {
  /** A fresh id for this turn. */
  owner: string;
  ttlMs: number;
  /** The tree whose head the turn moves (default `target`). */
  view?: TreeView;
  now?: number;
  /**
   * Runs inside the transaction, with the audit locked, before the lease is taken: throw to refuse
   * (closed audit, invalid arguments); nothing is written then.
   */
  check?: (state: TurnState) => void;
}

/** A turn that holds the audit's lease: the state it validated. */
export interface TurnStart {
  auditId: string;
  owner: string;
  view: TreeView;
  audit: AuditRecord;
  headSeq: number | null;
  branch: readonly StoredMessage[];
}

export type ChangeListener = (auditId: string) => void;

export interface AuditStore extends StoreSession {
  readonly backend: StoreBackend;
  /** Where the store is (a file path, or the URL with any password redacted): safe to print. */
  readonly location: string;
  /** Runs `fn` in one write transaction: all of it or nothing. */
  transaction<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T>;
  /** Runs `fn` against one consistent state (an export while another client audits). */
  snapshot<T>(fn: (tx: StoreSession) => Promise<T>): Promise<T>;
  /**
   * Validates and takes the audit's lease in one transaction: the audit locked, `check` run, then
   * the lease taken. Refused with TurnRefusedError `not_found` or `leased` (or what `check` throws).
   */
  beginTurn(auditId: string, options: BeginTurnOptions): Promise<TurnStart>;
  /**
   * Runs `fn` and releases the lease in one transaction, only if the turn still holds the lease
   * (or nobody took it after it expired) and the view's head has not moved: otherwise
   * TurnRefusedError `lease_lost` / `head_moved` and nothing is written.
   */
  commitTurn<T>(turn: TurnStart, fn: (tx: StoreSession) => Promise<T>): Promise<T>;
  /** Releases the turn's lease without writing anything else (a refused or failed turn). */
  endTurn(turn: TurnStart): Promise<void>;
  /**
   * Calls `listener(auditId)` after a committed change of an audit (touch, setStatus, create),
   * made by this process or, on PostgreSQL, by any other. Resolves once listening.
   */
  onChange(listener: ChangeListener): Promise<() => void>;
  /** True once `close` was called (background work stops writing then). */
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL: the connection pool's size (default 10). */
  poolSize?: number;
  /** SQLite: milliseconds a writer waits for another process's lock. */
  busyTimeoutMs?: number;
  /**
   * Nothing can be written through this store (the viewer). SQLite: the file is opened read-only
   * (it must exist). PostgreSQL: the schema is brought up to date, then every transaction is read-only.
   */
  readOnly?: boolean;
}
