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
