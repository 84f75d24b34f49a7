/**
 * get_run_report: a `petri-mcp audit` run's aggregate numbers (per target × dimension mean,
 * standard error, 95% interval, n and exclusions; paired differences between targets; judge
 * agreement and the rankable flag; judges with self-preference and exclusions; the most
 * concerning and the inconclusive audits), recomputed from the store on every call.
 */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { AuditError } from "../../audit/errors.js";
import { capOutput } from "../../audit/format.js";
import { renderMarkdown } from "../../report/render-markdown.js";
import { runReport } from "../../report/run-report.js";
import { defineTool, toolSpec } from "../define.js";

const n = z.number().nullable();
const estimate = {
  mean: n.describe("Mean over seeds of each seed's mean over epochs (null: nothing scored)."),
  se: n.describe("Standard error: sd of the seed means / √seeds (null below two seeds)."),
  ci_low: n.describe("Lower end of the t-based 95% interval (null below two seeds)."),
  ci_high: n.describe("Upper end of the t-based 95% interval."),
};

const seedLabel = z.string().describe("The library seed's id, or the start of a seed written out.");

const outputSchema = z.object({
  run_id: z.string().describe("The run these numbers are about."),
  min_target_replies: z.number().int().describe("The engagement gate used: audits whose target replied fewer times are inconclusive."),
  method: z.string().describe("How the numbers are computed, in words."),
  targets: z
    .array(
      z.object({
        model: z.string().describe("The target model, as provider/model."),
        family: z.string().describe("Its provider family (judges of the same family are flagged for self-preference)."),
        audits: z.number().int().describe("Audits of this target in the run."),
        conclusive: z.number().int().describe("Audits that count toward the numbers."),
        inconclusive: z.number().int().describe("Audits shown but never averaged."),
      }),
    )
    .describe("Each target with its audit counts."),
  dimensions: z.array(z.string()).describe("Dimensions scored in at least one conclusive audit."),
  cells: z
    .array(
      z.object({
        target: z.string().describe("The target model."),
        dimension: z.string().describe("The dimension."),
        n: z.number().int().describe("Audits averaged."),
        seeds: z.number().int().describe("Seeds with a scored conclusive audit (the n of the interval)."),
        excluded: z.number().int().describe("Audits of the target left out: inconclusive or unscored on this dimension."),
        ...estimate,
      }),
    )
    .describe("Per target × dimension."),
  differences: z
    .array(
      z.object({
        a: z.string().describe("The first target."),
        b: z.string().describe("The second target."),
        dimension: z.string().describe("The dimension."),
        seeds: z.number().int().describe("Seeds both targets have (the pairs)."),
        ...estimate,
      }),
    )
    .describe("mean(a) − mean(b) per dimension, paired by seed."),
  agreement: z
    .array(
      z.object({
        dimension: z.string().describe("The dimension."),
        units: z.number().int().describe("Conclusive audits with two or more judges' scores."),
        mean_absolute_difference: n.describe("Mean absolute difference between judges' scores of the same audit."),
        krippendorff_alpha: n.describe("Krippendorff's alpha, interval metric (1 perfect, 0 chance)."),
        spread: n.describe("Largest minus smallest target mean."),
        rankable: z.boolean().nullable().describe("spread > mean absolute difference (null without two targets and two judges)."),
      }),
    )
    .describe("Agreement between judges per dimension."),
  judges: z
    .array(
      z.object({
        model: z.string().describe("The judge model."),
        family: z.string().describe("Its provider family."),
        self_preference_targets: z.array(z.string()).describe("Targets of the same provider family: this judge may favour them."),
        scored: z.number().int().describe("Conclusive audits this judge scored."),
        excluded: z
          .array(
            z.object({
              audit_id: z.string().describe("The audit."),
              status: z.string().describe("Status of the judge's latest run on it (failed, interrupted or running)."),
              error: z.string().nullable().describe("Why it has no valid score, when known."),
            }),
          )
          .describe("Audits where this judge gave no valid score: left out, never counted."),
      }),
    )
    .describe("The judges."),
  concerning: z
    .array(
      z.object({
        target: z.string().describe("The target model."),
        audit_id: z.string().describe("The audit."),
        seed: seedLabel,
        epoch: z.number().int().describe("Which repetition of its seed × target the audit is."),
        top_scores: z.record(z.string(), z.number()).describe("Its highest jury medians among dimensions where a high score is bad."),
      }),
    )
    .describe("The most concerning conclusive audits per target."),
  inconclusive: z
    .array(
      z.object({
        audit_id: z.string().describe("The audit."),
        target: z.string().describe("The target model."),
        seed: seedLabel,
        epoch: z.number().int().describe("Which repetition of its seed × target the audit is."),
        target_replies: z.number().int().describe("How many times the target replied."),
        reason: z.string().describe("Why the audit is inconclusive (too few replies, or it failed)."),
      }),
    )
    .describe("Audits shown but never averaged."),
});

export const getRunReport = defineTool(TOOL.get_run_report, (ctx) => {
  const { app } = ctx;
  return toolSpec({
    description:
      "Aggregate results of a `petri-mcp audit` run (its run_id, as list_audits shows): per target and dimension the mean over seeds, standard error, t-based 95% interval, n and excluded audits; " +
      "differences between targets paired by seed; judge agreement (mean absolute difference, Krippendorff's alpha) and whether the targets can be ranked on each dimension; judges flagged for self-preference or excluded; " +
      "the most concerning audits and the inconclusive ones (target replied too little, or the audit failed), which are never averaged. Recomputed from the store on every call.",
    input: z.object({
      run_id: z.string().min(1).max(200).describe("The run id of a `petri-mcp audit` run."),
      min_target_replies: z.number().int().min(0).max(1000).optional().describe("Override the run's engagement gate (default: the run's --min-target-replies, else 2)."),
    }),
    output: outputSchema,
    handler: async (args) => {
      const report = await runReport(app.store, args.run_id, { minTargetReplies: args.min_target_replies });
      if (!report) throw new AuditError("not_found", `No audits with run id '${args.run_id}'. list_audits shows each audit's run_id.`);
      const structured = {
        run_id: report.runId,
        min_target_replies: report.minTargetReplies,
        method: report.method,
        targets: report.targets,
        dimensions: report.dimensions,
        cells: report.cells.map((c) => ({ target: c.target, dimension: c.dimension, n: c.n, seeds: c.seeds, excluded: c.excluded, mean: c.mean, se: c.se, ci_low: c.low, ci_high: c.high })),
        differences: report.differences.map((d) => ({ a: d.a, b: d.b, dimension: d.dimension, seeds: d.n, mean: d.mean, se: d.se, ci_low: d.low, ci_high: d.high })),
        agreement: report.agreement.map((a) => ({ dimension: a.dimension, units: a.units, mean_absolute_difference: a.meanAbsoluteDifference, krippendorff_alpha: a.krippendorffAlpha, spread: a.spread, rankable: a.rankable })),
        judges: report.judges.map((j) => ({ model: j.model, family: j.family, self_preference_targets: j.selfPreferenceTargets, scored: j.scored, excluded: j.excluded.map((x) => ({ audit_id: x.auditId, status: x.status, error: x.error })) })),
        concerning: Object.entries(report.concerning).flatMap(([target, list]) => list.map((c) => ({ target, audit_id: c.auditId, seed: c.seed, epoch: c.epoch, top_scores: Object.fromEntries(c.topScores) }))),
        inconclusive: report.audits.filter((a) => !a.conclusive).map((a) => ({ audit_id: a.auditId, target: a.target, seed: a.seedLabel, epoch: a.epoch, target_replies: a.targetReplies, reason: a.inconclusiveReason ?? "" })),
      };
      return { text: capOutput(renderMarkdown(report), ctx.service.maxToolOutput, "The structured result has every number."), structured };
    },
  });
});
