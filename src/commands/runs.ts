/**
 * `petri-mcp runs`: the runs in the store; `runs RUN_ID [--json]`: where one stands (its cells
 * queued, running, done, failed or cancelled, by target, with tokens and cost); `runs cancel RUN_ID`:
 * stops it. A run stored with `audit --enqueue` is counted from its audit jobs; a run worked by
 * `petri-mcp audit` alone from its audits.
 */
import { loadConfig, parseCommandArgs } from "../config.js";
import type { AuditStore, StoreSession } from "../store/types.js";
import { loadRunDesign, runAudits } from "../store/run-records.js";
import { budgetSpent } from "../models/budget.js";
import { NO_DATABASE, openExistingStore } from "./existing-store.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp runs [RUN_ID | cancel RUN_ID] [--json] [--db PATH|URL]

  petri-mcp runs                 the runs in the store, newest first
  petri-mcp runs RUN_ID          one run: its seeds (grid cells) total, queued, running, done,
                                 failed and cancelled, by target, with tokens and cost
  petri-mcp runs cancel RUN_ID   cancel the run: its queued audit jobs never start, running ones
                                 stop (their audits close with status cancelled) within a
                                 lease heartbeat

Options:
  --json      print JSON instead of text
  --db PATH   the AuditStore: a SQLite file or a postgres:// URL (default: $PETRI_DB, else the
              user data dir)`;

/** The reason a cancelled run's open audits are closed with. */
export const CANCELLED_REASON = "cancelled: petri-mcp runs cancel";

interface Counts {
  total: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
}

interface TargetStatus extends Counts {
  target: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  unpriced_calls: number;
}

export interface RunStatus {
  run_id: string;
  /** "jobs": counted from the run's audit jobs; "audits": from its audits (a run not enqueued). */
  counted_from: "jobs" | "audits";
  seeds: Counts;
  by_target: TargetStatus[];
  input_tokens: number;
  output_tokens: number;
  /** Cost of the calls with a known price; null when none had one. */
  cost_usd: number | null;
  /** Successful calls whose price is unknown: the cost above leaves them out. */
  unpriced_calls: number;
  /** The run's budget (--budget-usd), or null. */
  budget_usd: number | null;
  /** Whether the budget is spent: no model call of the run starts any more. */
  budget_spent: boolean;
  /** Claims of the run's audit jobs beyond their first (a failed attempt retried, or a stopped worker's job taken over). */
  retries: number;
  /** The run's audit jobs that ended failed: why (their last error) after how many attempts. */
  failed_jobs: FailedJob[];
}

export interface FailedJob {
  job_id: string;
  target: string;
  seed_id: string | null;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
}

/** Failed jobs listed in the text output (all of them are in --json). */
const FAILED_SHOWN = 10;

const empty = (): Counts => ({ total: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 });

/** Cell counts by target: from the audit jobs, or (no jobs) from the audits, finished counted done. */
async function cellCounts(store: StoreSession, runId: string): Promise<{ from: "jobs" | "audits"; byTarget: Map<string, Counts> }> {
  const byTarget = new Map<string, Counts>();
  const add = (target: string, status: keyof Counts, n: number) => {
    const counts = byTarget.get(target) ?? empty();
    counts[status] += n;
    counts.total += n;
    byTarget.set(target, counts);
  };
  const jobs = await store.jobs.auditCountsByTarget(runId);
  if (jobs.length > 0) {
    for (const row of jobs) add(row.target, row.status, row.n);
    return { from: "jobs", byTarget };
  }
  for (const audit of await runAudits(store, runId)) {
    add(audit.targetModel ?? "", audit.status === "active" ? "running" : audit.status === "failed" || audit.status === "cancelled" ? audit.status : "done", 1);
  }
  return { from: "audits", byTarget };
}

/** Where the run stands, read from one consistent state of the store. */
export function runStatus(store: AuditStore, runId: string): Promise<RunStatus> {
  return store.snapshot((tx) => statusIn(tx, runId));
}

async function statusIn(store: StoreSession, runId: string): Promise<RunStatus> {
  const { from, byTarget } = await cellCounts(store, runId);
  const usage = await store.runs.usageByTarget(runId);
  const targets = [...new Set([...byTarget.keys(), ...usage.map((u) => u.target)])].sort();
  const seeds = empty();
  const spending = await store.runs.spending(runId);
  const status: RunStatus = {
    run_id: runId,
    counted_from: from,
    seeds,
    by_target: [],
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: null,
    unpriced_calls: 0,
    budget_usd: spending.budgetUsd,
    budget_spent: budgetSpent(spending),
    retries: 0,
    failed_jobs: [],
  };
  for (const job of await store.jobs.listRun(runId)) {
    if (job.kind !== "audit") continue;
    status.retries += Math.max(0, job.attempts - 1);
    if (job.status !== "failed") continue;
    const payload = job.payload as { target?: string; seed?: { id?: string } };
    status.failed_jobs.push({ job_id: job.id, target: payload.target ?? "", seed_id: payload.seed?.id ?? null, attempts: job.attempts, max_attempts: job.maxAttempts, last_error: job.lastError });
  }
  for (const target of targets) {
    const counts = byTarget.get(target) ?? empty();
    const u = usage.find((x) => x.target === target);
    for (const key of Object.keys(seeds) as (keyof Counts)[]) seeds[key] += counts[key];
    status.by_target.push({ target, ...counts, input_tokens: u?.inputTokens ?? 0, output_tokens: u?.outputTokens ?? 0, cost_usd: u?.costUsd ?? null, unpriced_calls: u?.unpricedCalls ?? 0 });
    status.input_tokens += u?.inputTokens ?? 0;
    status.output_tokens += u?.outputTokens ?? 0;
    status.unpriced_calls += u?.unpricedCalls ?? 0;
    if (u?.costUsd != null) status.cost_usd = (status.cost_usd ?? 0) + u.costUsd;
  }
  return status;
}

const money = (usd: number | null, unpriced: number) => `${usd === null ? "unknown" : `$${usd.toFixed(4)}`}${unpriced > 0 ? ` (+${unpriced} call(s) without a known price)` : ""}`;

function formatStatus(s: RunStatus): string {
  const line = (c: Counts) => `${c.total} total, ${c.queued} queued, ${c.running} running, ${c.done} done, ${c.failed} failed, ${c.cancelled} cancelled`;
  const budget = s.budget_usd === null ? "" : `, budget $${s.budget_usd}${s.budget_spent ? " (spent: no new model call starts)" : ""}`;
  const lines = [`Run ${s.run_id}: ${line(s.seeds)}`, `  tokens ${s.input_tokens} in / ${s.output_tokens} out, cost ${money(s.cost_usd, s.unpriced_calls)}${budget}`];
  for (const t of s.by_target) lines.push(`  ${t.target}: ${line(t)}; tokens ${t.input_tokens} in / ${t.output_tokens} out, cost ${money(t.cost_usd, t.unpriced_calls)}`);
  if (s.retries > 0 || s.failed_jobs.length > 0) lines.push(`  retries ${s.retries}; failed jobs ${s.failed_jobs.length}`);
  for (const f of s.failed_jobs.slice(0, FAILED_SHOWN)) {
    lines.push(`    ${f.job_id} (${f.target}${f.seed_id ? `, seed ${f.seed_id}` : ""}): ${f.attempts} of ${f.max_attempts} attempts; last error: ${f.last_error ?? "none recorded"}`);
  }
  if (s.failed_jobs.length > FAILED_SHOWN) lines.push(`    … and ${s.failed_jobs.length - FAILED_SHOWN} more (--json lists them all)`);
  return lines.join("\n");
}

export async function runRunsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } }, true);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const cancel = positionals[0] === "cancel";
  const ids = cancel ? positionals.slice(1) : positionals;
  if (ids.length > 1 || (cancel && ids.length !== 1)) {
    io.stderr(`petri-mcp runs: give at most one run id${cancel ? " (exactly one to cancel)" : ""}.\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(values);
  const store = await openExistingStore("runs", config.dbPath, io, { poolSize: config.dbPool });
  if (!store) return NO_DATABASE;
  try {
    const runId = ids[0];
    if (runId === undefined) {
      const runs = await store.runs.list();
      const statuses = new Map<string, RunStatus>();
      for (const r of runs) statuses.set(r.id, await runStatus(store, r.id));
      if (values.json) io.stdout(JSON.stringify(runs.map((r) => ({ run_id: r.id, created_at: r.createdAt, design: r.design, seeds: statuses.get(r.id)!.seeds })), null, 2));
      else if (runs.length === 0) io.stdout("No runs in the store.");
      else io.stdout(runs.map((r) => formatStatus(statuses.get(r.id)!).split("\n")[0]!.replace(/^Run /, "") + `  (${r.createdAt})`).join("\n"));
      return 0;
    }
    if (!(await store.runs.exists(runId)) && (await runAudits(store, runId)).length === 0) {
      io.stderr(`petri-mcp runs: no run '${runId}' in ${store.location}; petri-mcp runs lists them.`);
      return 1;
    }
    if (cancel) return await cancelRun(store, runId, io);
    const status = await runStatus(store, runId);
    io.stdout(values.json ? JSON.stringify({ ...status, design: await loadRunDesign(store, runId) }, null, 2) : formatStatus(status));
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * Cancels the run's jobs and closes its open audits in one transaction: a worker that notices the
 * cancelled job (at its next heartbeat) finds its audit already closed as cancelled.
 */
async function cancelRun(store: AuditStore, runId: string, io: CommandIO): Promise<number> {
  const { jobs, closed } = await store.transaction(async (tx) => {
    const jobs = await tx.jobs.cancelRun(runId, "The run was cancelled (petri-mcp runs cancel).");
    const open = (await runAudits(tx, runId)).filter((a) => a.status === "active");
    for (const audit of open) await tx.audits.setStatus(audit.id, "cancelled", CANCELLED_REASON);
    return { jobs, closed: open.length };
  });
  io.stdout(`Cancelled run ${runId}: ${jobs} job(s) cancelled, ${closed} open audit(s) closed as cancelled.`);
  return 0;
}
