/**
 * The judge section of get_audit: the latest run, the run count, and the scores of the latest
 * complete run (or, when no run is complete, the latest partial one, with what it is missing),
 * merged with that judge's earlier runs for the dimensions a later subset run did not score; with
 * several judges, the jury's medians. Also the short form list_audits shows.
 */
import * as z from "zod";
import type { AuditStore } from "../store/types.js";
import { auditJury, mergedScoresOf, topJuryScores } from "./jury.js";
import { JudgeRunStore, pickScoredRun } from "./runs.js";

export const judgeSummarySchema = z
  .object({
    latest_run_id: z.string().nullable().describe("The most recent judge run, whatever its status."),
    latest_status: z.string().nullable().describe("Status of that run: running, complete, partial, failed or interrupted."),
    runs: z.number().int().describe("How many judge runs this audit has."),
    scores: z
      .record(z.string(), z.number())
      .nullable()
      .describe("Scores of the latest complete (or partial) run, by dimension, plus that judge's earlier scores of dimensions the run did not ask for; missing dimensions are absent, never 0 or 1."),
    score_runs: z.record(z.string(), z.string()).describe("The judge run each of those scores came from, by dimension."),
    summary: z.string().nullable().describe("The judge's summary in the run the scores come from."),
    jury: z
      .record(z.string(), z.object({ median: z.number(), mean: z.number(), judges: z.number().int() }))
      .nullable()
      .describe("With two or more judge models: per dimension the median and mean across the judges that scored it (null with one judge)."),
    excluded_judges: z.array(z.string()).describe("Judge models whose runs on this audit gave no valid score (failed, interrupted): never counted."),
    scores_run_id: z.string().nullable().describe("The run the scores come from (the latest complete run, else the latest partial one)."),
    scores_status: z.enum(["complete", "partial"]).nullable().describe("Whether that run scored every dimension (complete) or not (partial)."),
    scores_model: z.string().nullable().describe("The judge model of that run."),
    missing: z.array(z.string()).describe("Dimensions that run asked for but could not score (empty for a complete run)."),
  })
  .describe("Judge results.");

export type JudgeSummary = z.infer<typeof judgeSummarySchema>;

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

export const judgeBriefSchema = {
  judge_status: z
    .string()
    .nullable()
    .describe("complete or partial when a judge run scored the audit (the one get_audit's scores come from), else the latest run's status (running, failed, interrupted); null when never judged."),
  judges_excluded: z.number().int().describe("Judge models whose runs gave no valid score (failed, interrupted): left out, never counted."),
  top_scores: z.record(z.string(), z.number()).describe("The three highest scores of dimensions where high is bad (the jury's median with several judges)."),
};

/** The judge state list_audits shows for each audit. */
export async function judgeBrief(store: AuditStore, auditId: string): Promise<{ judge_status: string | null; judges_excluded: number; top_scores: Record<string, number> }> {
  const runs = await new JudgeRunStore(store).list(auditId);
  const jury = auditJury(runs);
  return { judge_status: (pickScoredRun(runs) ?? runs[0])?.status ?? null, judges_excluded: jury.excluded.length, top_scores: Object.fromEntries(topJuryScores(jury)) };
}

/** The judge column of list_audits and petri-mcp list: status, excluded judges, top scores. */
export function briefText(brief: { judge_status: string | null; judges_excluded: number; top_scores: Record<string, number> }): string {
  const top = Object.entries(brief.top_scores).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${brief.judge_status ?? "-"}${brief.judges_excluded > 0 ? ` (${brief.judges_excluded} judge(s) excluded)` : ""}${top ? ` ${top}` : ""}`;
}
