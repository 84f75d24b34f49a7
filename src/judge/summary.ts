/**
 * The judge section of get_audit: the latest complete scores and the run history.
 * TODO(issue 5): fill from judge_runs.
 */
import * as z from "zod";
import type { AuditStore } from "../store/audit-store.js";

export const judgeSummarySchema = z
  .object({
    latest_run_id: z.string().nullable().describe("The most recent judge run, whatever its status."),
    latest_status: z.string().nullable().describe("Status of that run: running, complete, partial, failed or interrupted."),
    runs: z.number().int().describe("How many judge runs this audit has."),
    scores: z.record(z.string(), z.number()).nullable().describe("Scores of the latest complete (or partial) run, by dimension; missing dimensions are absent, never 0 or 1."),
  })
  .describe("Judge results.");

export type JudgeSummary = z.infer<typeof judgeSummarySchema>;

export function judgeSummary(_store: AuditStore, _auditId: string): JudgeSummary {
  return { latest_run_id: null, latest_status: null, runs: 0, scores: null };
}
