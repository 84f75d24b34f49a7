/**
 * The judge section of get_audit: the latest run, the run count, and the scores of the latest
 * complete run (or, when no run is complete, the latest partial one, with what it is missing),
 * merged with that judge's earlier runs for the dimensions a later subset run did not score; with
 * several judges, the jury's medians. Also the short form list_audits shows.
 */
import type { AuditStore } from "../store/types.js";
import { auditJury, mergedScoresOf, topJuryScores } from "./jury.js";
import { JudgeRunStore, pickScoredRun } from "./runs.js";

/** The judge section of get_audit (its MCP output schema is judgeSummarySchema in src/tools/audits/schemas.ts). */
export interface JudgeSummary {
  latest_run_id: string | null;
  latest_status: string | null;
  runs: number;
  scores: Record<string, number> | null;
  score_runs: Record<string, string>;
  summary: string | null;
  jury: Record<string, { median: number; mean: number; judges: number }> | null;
  excluded_judges: string[];
  scores_run_id: string | null;
  scores_status: "complete" | "partial" | null;
  scores_model: string | null;
  missing: string[];
}

export async function judgeSummary(store: AuditStore, auditId: string): Promise<JudgeSummary> {
  const runs = await new JudgeRunStore(store).list(auditId);
  const latest = runs[0];
  const scored = pickScoredRun(runs);
  const merged = scored ? mergedScoresOf(runs, scored.judgeModel) : {};
  const jury = auditJury(runs);
  return {
    latest_run_id: latest?.id ?? null,
    latest_status: latest?.status ?? null,
    runs: runs.length,
    scores: scored ? Object.fromEntries(Object.entries(merged).map(([name, s]) => [name, s.score])) : null,
    score_runs: Object.fromEntries(Object.entries(merged).map(([name, s]) => [name, s.runId])),
    summary: scored?.summary ?? null,
    jury: jury.jurors.length >= 2 ? jury.scores : null,
    excluded_judges: jury.excluded.map((j) => j.judgeModel),
    scores_run_id: scored?.id ?? null,
    scores_status: scored ? (scored.status as "complete" | "partial") : null,
    scores_model: scored?.judgeModel ?? null,
    missing: scored?.missing ?? [],
  };
}

/** The judge state of one audit in list_audits (its MCP output schema is judgeBriefSchema in src/tools/audits/schemas.ts). */
export interface JudgeBrief {
  judge_status: string | null;
  judges_excluded: number;
  top_scores: Record<string, number>;
}

/** The judge state list_audits shows for each audit. */
export async function judgeBrief(store: AuditStore, auditId: string): Promise<JudgeBrief> {
  const runs = await new JudgeRunStore(store).list(auditId);
  const jury = auditJury(runs);
  return { judge_status: (pickScoredRun(runs) ?? runs[0])?.status ?? null, judges_excluded: jury.excluded.length, top_scores: Object.fromEntries(topJuryScores(jury)) };
}

/** The judge column of list_audits and petri-mcp list: status, excluded judges, top scores. */
export function briefText(brief: JudgeBrief): string {
  const top = Object.entries(brief.top_scores).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${brief.judge_status ?? "-"}${brief.judges_excluded > 0 ? ` (${brief.judges_excluded} judge(s) excluded)` : ""}${top ? ` ${top}` : ""}`;
}
