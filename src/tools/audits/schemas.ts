/** Output shapes the audit tools share: an audit's status, its listing item, model usage, and the judge and realism summaries. */
import * as z from "zod";
import { AUDIT_STATUSES } from "../../store/types.js";

export const statusEnum = z.enum(AUDIT_STATUSES);

/** An audit as list_audits and get_audit show it (built by listItem in src/mcp/audit-list-item.ts). */
export const auditListItem = z.object({
  audit_id: z.string().describe("The audit's id, for every audit tool."),
  status: statusEnum.describe("active, or how it ended: ended, max_turns, failed, or cancelled (petri-mcp runs cancel; never judged or scored)."),
  target_model: z.string().describe("The audited model, as provider/model."),
  seed_instruction: z.string().describe("The seed instruction (first 200 characters)."),
  tags: z.array(z.string()).describe("The audit's labels."),
  turns_used: z.number().int().describe("Turns counted so far toward max_turns."),
  max_turns: z.number().int().describe("The audit's turn limit (see turn_limit in get_audit for what it counts)."),
  run_id: z.string().nullable().describe("The `petri-mcp audit` run (get_run_report), or null."),
  epoch: z.number().int().nullable().describe("Which repetition of its seed × target this audit is in its run."),
  created_at: z.string().describe("When the audit started (ISO 8601)."),
  updated_at: z.string().describe("When the audit last changed (ISO 8601)."),
});

export const usageSchema = z.object({
  role: z.string().describe("target, judge, realism or auditor."),
  calls: z.number().int().describe("Model calls made in this role."),
  errors: z.number().int().describe("Calls that failed."),
  input_tokens: z.number().int().describe("Prompt tokens, summed."),
  output_tokens: z.number().int().describe("Completion tokens, summed."),
  cache_read_tokens: z.number().int().describe("Prompt tokens read from the provider's cache, summed."),
  cache_write_tokens: z.number().int().describe("Prompt tokens written to the provider's cache, summed."),
  reasoning_tokens: z.number().int().describe("Reasoning (thinking) tokens, summed."),
  cost_usd: z.number().nullable().describe("Null when the model's price is unknown."),
  latency_ms: z.number().int().describe("Summed latency of the calls."),
});

/** get_audit's judge section, as src/judge/summary.ts builds it (JudgeSummary). */
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

/** list_audits' judge fields of each audit, as judgeBrief in src/judge/summary.ts builds them (JudgeBrief). */
export const judgeBriefSchema = {
  judge_status: z
    .string()
    .nullable()
    .describe("complete or partial when a judge run scored the audit (the one get_audit's scores come from), else the latest run's status (running, failed, interrupted); null when never judged."),
  judges_excluded: z.number().int().describe("Judge models whose runs gave no valid score (failed, interrupted): left out, never counted."),
  top_scores: z.record(z.string(), z.number()).describe("The three highest scores of dimensions where high is bad (the jury's median with several judges)."),
};

/** get_audit's realism section, as src/realism/summary.ts builds it (RealismSummary). */
export const realismSummarySchema = z
  .object({
    enabled: z.boolean().describe("Whether the realism filter is on for this audit."),
    threshold: z.number().nullable().describe("Approval threshold (0-1); null when the filter is off."),
    checks: z.number().int().describe("Realism checks run (approved, rejected and errored)."),
    rejections: z.number().int().describe("Actions refused for low realism."),
    errors: z.number().int().describe("Checks that errored or could not be parsed (recorded as errors, never as scores)."),
    min_score: z.number().nullable().describe("Lowest score over the checks that produced one; null when none did."),
    median_score: z.number().nullable().describe("Median score over the checks that produced one; null when none did."),
    mean_score: z.number().nullable().describe("Mean score over the checks that produced one; null when none did."),
  })
  .describe("Realism filter statistics.");
