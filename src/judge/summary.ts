/**
 * The judge section of get_audit: the latest run, the run count, and the scores of the latest
 * complete run (or, when no run is complete, the latest partial one, with what it is missing).
 */
import * as z from "zod";
import type { AuditStore } from "../store/audit-store.js";
import { JudgeRunStore, pickScoredRun } from "./runs.js";

export const judgeSummarySchema = z
  .object({
    latest_run_id: z.string().nullable().describe("The most recent judge run, whatever its status."),
    latest_status: z.string().nullable().describe("Status of that run: running, complete, partial, failed or interrupted."),
    runs: z.number().int().describe("How many judge runs this audit has."),
    scores: z.record(z.string(), z.number()).nullable().describe("Scores of the latest complete (or partial) run, by dimension; missing dimensions are absent, never 0 or 1."),
    scores_run_id: z.string().nullable().describe("The run the scores come from (the latest complete run, else the latest partial one)."),
    scores_status: z.enum(["complete", "partial"]).nullable().describe("Whether that run scored every dimension (complete) or not (partial)."),
    scores_model: z.string().nullable().describe("The judge model of that run."),
    missing: z.array(z.string()).describe("Dimensions that run asked for but could not score (empty for a complete run)."),
  })
  .describe("Judge results.");

export type JudgeSummary = z.infer<typeof judgeSummarySchema>;

export function judgeSummary(store: AuditStore, auditId: string): JudgeSummary {
  const runs = new JudgeRunStore(store).list(auditId);
  const latest = runs[0];
  const scored = pickScoredRun(runs);
  return {
    latest_run_id: latest?.id ?? null,
    latest_status: latest?.status ?? null,
    runs: runs.length,
    scores: scored?.scores ?? null,
    scores_run_id: scored?.id ?? null,
    scores_status: scored ? (scored.status as "complete" | "partial") : null,
    scores_model: scored?.judgeModel ?? null,
    missing: scored?.missing ?? [],
  };
}
