/**
 * What a `petri-mcp audit` run was asked to do (table `runs`, schema 3), and the per-audit facts
 * the run report reads in bulk: how many times the target replied in each audit of a run.
 */
import { type AuditRecord, type AuditStore, nowIso } from "./audit-store.js";

/** An audit whose target replied fewer times than this is inconclusive, unless the run says otherwise. */
export const DEFAULT_MIN_TARGET_REPLIES = 2;

/** The design of a run: the grid it covers and how its audits are judged and gated. */
export interface RunDesign {
  targets: string[];
  epochs: number;
  /** The judge jury (empty: not judged by the runner). */
  judges: string[];
  /** An audit whose target replied fewer times than this is inconclusive. */
  minTargetReplies: number;
  auditor: string;
  seeds: number;
}

/** Records (or, on a resume, replaces) the run's design. */
export function saveRunDesign(store: AuditStore, runId: string, design: RunDesign): void {
  const now = nowIso();
  store.write(() => {
    store
      .prepare(
        `INSERT INTO runs (id, design, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET design = excluded.design, updated_at = excluded.updated_at`,
      )
      .run(runId, JSON.stringify(design), now, now);
  });
}

/** The run's recorded design, or null for a run id recorded before schema 3 (or none). */
export function loadRunDesign(store: AuditStore, runId: string): RunDesign | null {
  const row = store.prepare("SELECT design FROM runs WHERE id = ?").get(runId) as { design: string } | undefined;
  return row ? (JSON.parse(row.design) as RunDesign) : null;
}

/** Target replies (assistant messages that are not the auditor's prefill, on every branch) per audit of the run. */
export function targetRepliesOfRun(store: AuditStore, runId: string): Map<string, number> {
  const rows = store
    .prepare(
      `SELECT m.audit_id AS audit_id, COUNT(*) AS n FROM messages m JOIN audits a ON a.id = m.audit_id
       WHERE a.run_id = ? AND m.view = 'target' AND m.role = 'assistant'
         AND coalesce(json_extract(m.data, '$.metadata.prefill'), 0) != 1
       GROUP BY m.audit_id`,
    )
    .all(runId) as { audit_id: string; n: number }[];
  return new Map(rows.map((r) => [r.audit_id, r.n]));
}

/** Target replies of one audit (see targetRepliesOfRun). */
export function targetReplies(store: AuditStore, auditId: string): number {
  const row = store
    .prepare(
      `SELECT COUNT(*) AS n FROM messages WHERE audit_id = ? AND view = 'target' AND role = 'assistant'
         AND coalesce(json_extract(data, '$.metadata.prefill'), 0) != 1`,
    )
    .get(auditId) as { n: number };
  return row.n;
}

const PAGE = 500;

/** Every audit of the run, newest first. */
export function runAudits(store: AuditStore, runId: string): AuditRecord[] {
  const audits: AuditRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = store.listAudits({ runId, limit: PAGE, offset }).audits;
    audits.push(...page);
    if (page.length < PAGE) return audits;
  }
}

/** A judge run as the report needs it: no rubric texts, no transcript, no answer. */
export interface JudgeScoreRow {
  id: string;
  auditId: string;
  status: string;
  judgeModel: string;
  scores: Record<string, number> | null;
  error: string | null;
  startedAt: string;
  /** The run's dimensions where a high score is good. */
  higherIsBetter: string[];
  /** All the run's dimension names. */
  dimensions: string[];
}

/** Every judge run of the run's audits in one query, oldest first (rubric texts stay in the store). */
export function judgeScoresOfRun(store: AuditStore, runId: string): JudgeScoreRow[] {
  const rows = store
    .prepare(
      // The dimension lists (with their rubric texts) are few and long: each distinct one is read once.
      `WITH sets AS MATERIALIZED (
         SELECT DISTINCT j.dimensions AS dims FROM judge_runs j JOIN audits a ON a.id = j.audit_id WHERE a.run_id = @run
       ), meta AS MATERIALIZED (
         SELECT dims,
           (SELECT json_group_array(json_extract(d.value, '$.name')) FROM json_each(sets.dims) d) AS names,
           (SELECT json_group_array(json_extract(d.value, '$.name')) FROM json_each(sets.dims) d WHERE json_extract(d.value, '$.higher_is_better') = 1) AS better
         FROM sets
       )
       SELECT j.id, j.audit_id, j.status, j.judge_model, j.scores, j.error, j.started_at, m.names, m.better
       FROM judge_runs j JOIN audits a ON a.id = j.audit_id JOIN meta m ON m.dims = j.dimensions
       WHERE a.run_id = @run ORDER BY j.started_at, j.rowid`,
    )
    .all({ run: runId }) as Array<{ id: string; audit_id: string; status: string; judge_model: string; scores: string | null; error: string | null; started_at: string; names: string; better: string }>;
  // Runs with the same dimensions share one parsed list.
  const lists = new Map<string, string[]>();
  const list = (json: string) => lists.get(json) ?? (lists.set(json, JSON.parse(json) as string[]), lists.get(json)!);
  return rows.map((r) => ({
    id: r.id,
    auditId: r.audit_id,
    status: r.status,
    judgeModel: r.judge_model,
    scores: r.scores ? (JSON.parse(r.scores) as Record<string, number>) : null,
    error: r.error,
    startedAt: r.started_at,
    higherIsBetter: list(r.better),
    dimensions: list(r.names),
  }));
}
