/**
 * What judge and get_judge_result share: a judge run's output schema, its structured form and
 * text, the jury fields, progress notifications and the wait argument. A judge run goes on in the
 * background of the server process; judge waits for it up to wait_seconds, then returns the result
 * or the run id to fetch it with get_judge_result.
 */
import * as z from "zod";
import { capOutput } from "../../audit/format.js";
import { auditJury } from "../../judge/jury.js";
import { formatRunText } from "../../judge/report.js";
import type { JudgeProgress } from "../../judge/runner.js";
import type { JudgeRunRecord } from "../../judge/runs.js";
import { generationSettingsSchema } from "../../models/settings.js";
import { describeLocation, locationsById } from "../../core/branches.js";
import type { ToolContext, ToolExtra } from "../define.js";

export const DEFAULT_WAIT_SECONDS = 45;
/** Judges in one jury call. */
export const MAX_JURY = 10;
/** MCP clients cut tool calls off near 60 s. */
export const MAX_WAIT_SECONDS = 50;

export const runStatus = z.enum(["running", "complete", "partial", "failed", "interrupted"]);

export const citationPart = z.object({
  message_id: z.string().describe("Id of the cited message (the claimed one when unresolved)."),
  quoted_text: z.string().describe("The text found in the message (for fuzzy matches, the matched text rather than the judge's quote)."),
  position: z.tuple([z.number().int(), z.number().int()]).nullable().describe("[start, end) character offsets in the message content or the tool argument; null when unresolved."),
  tool_call_id: z.string().nullable().describe("Set when the quote is in a tool-call argument: the call's id."),
  tool_arg: z.string().nullable().describe("Set when the quote is in a tool-call argument: the argument's name."),
  match: z.enum(["exact", "fuzzy", "unresolved"]).describe("How the quote was found: exactly, approximately (similarity >= 80), or not at all."),
  similarity: z.number().optional().describe("Fuzzy matches: similarity of the quote and the matched text, 0-100."),
});

export const runOutput = z.object({
  run_id: z.string().describe("Pass this to get_judge_result."),
  audit_id: z.string().describe("The judged audit."),
  status: runStatus.describe("running | complete (every dimension scored) | partial (some missing) | failed (nothing scored) | interrupted (the process running it stopped)."),
  judge_model: z.string().describe("The judge model."),
  judge_config: generationSettingsSchema.nullable().describe("The judge's generation settings for this run (null: the defaults)."),
  dimensions: z
    .array(z.object({ name: z.string().describe("Dimension name."), title: z.string().describe("Human title."), higher_is_better: z.boolean().describe("True when 10 is the best score.") }))
    .describe("The dimensions this run scores, in order."),
  retries: z.number().int().describe("Attempts allowed."),
  attempts: z.number().int().describe("Attempts made so far."),
  scores: z.record(z.string(), z.number().int()).nullable().describe("1-10 score per dimension; dimensions without a valid score are absent (never 0 or 1). Null while running."),
  missing: z.array(z.string()).describe("Dimensions the judge did not validly score."),
  summary: z.string().nullable().describe("The judge's summary, citing highlights as [n]."),
  justification: z.string().nullable().describe("The judge's reasons for the scores above 1."),
  highlights: z
    .array(
      z.object({
        index: z.number().int().nullable().describe("The highlight's number, as the summary cites it ([n])."),
        description: z.string().describe("Why the judge picked this excerpt."),
        parts: z.array(citationPart).describe("The quoted excerpts (several when the judge joined passages with [...])."),
      }),
    )
    .describe("Cited excerpts of the transcript, resolved to message ids and character spans."),
  warnings: z.array(z.string()).describe("Shortcomings of the judge's answer that cost no score (no summary, a score above 1 without justification, ...)."),
  error: z.string().nullable().describe("Why the run is partial, failed or interrupted."),
  started_at: z.string().describe("When the run started (ISO 8601)."),
  finished_at: z.string().nullable().describe("When it finished; null while running."),
  usage: z
    .object({
      calls: z.number().int().describe("Judge model calls made."),
      errors: z.number().int().describe("Calls that failed."),
      input_tokens: z.number().int().describe("Input tokens over all calls."),
      output_tokens: z.number().int().describe("Output tokens over all calls."),
      reasoning_tokens: z.number().int().describe("Reasoning tokens, where the provider reports them."),
      cost_usd: z.number().nullable().describe("Estimated cost; null when the model's price is unknown."),
    })
    .describe("Model usage of this run."),
});

export function warningsOf(run: JudgeRunRecord): string[] {
  const kept = run.messages?.find((m) => m.metadata?.kept === true);
  const warnings = kept?.metadata?.warnings;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === "string") : [];
}

export async function structuredRun(ctx: ToolContext, run: JudgeRunRecord): Promise<z.input<typeof runOutput>> {
  const usage = await ctx.app.judges.runs.usage(run.id);
  return {
    run_id: run.id,
    audit_id: run.auditId,
    status: run.status,
    judge_model: run.judgeModel,
    judge_config: run.judgeConfig,
    dimensions: run.dimensions.map((d) => ({ name: d.name, title: d.title, higher_is_better: d.higherIsBetter })),
    retries: run.retries,
    attempts: run.attempts,
    scores: run.scores,
    missing: run.missing ?? [],
    summary: run.summary,
    justification: run.justification,
    highlights: (run.highlights ?? []).map((h) => ({ ...h, parts: h.parts.map((p) => ({ ...p, match: p.match ?? (p.position ? "exact" : "unresolved") })) })),
    warnings: warningsOf(run),
    error: run.error,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    usage: {
      calls: usage.calls,
      errors: usage.errors,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      reasoning_tokens: usage.reasoningTokens,
      cost_usd: usage.costUsd,
    },
  };
}

export async function runText(ctx: ToolContext, run: JudgeRunRecord): Promise<string> {
  let locate: ((id: string) => string | undefined) | undefined;
  if ((run.highlights ?? []).length > 0) {
    const byId = locationsById(await ctx.app.store.messages.all(run.auditId, "target"));
    locate = (id) => {
      const location = byId.get(id);
      return location && describeLocation(location);
    };
  }
  return capOutput(formatRunText(run, { locate }), ctx.service.maxToolOutput, "The whole result is in structuredContent and in the exported transcript.");
}

/** The jury fields of judge's result for the runs of one call (empty without a jury). */
export function juryOf(runs: readonly JudgeRunRecord[]) {
  const jury = auditJury(runs);
  return {
    jury: runs.map((r) => ({ run_id: r.id, judge_model: r.judgeModel, status: r.status, scores: r.scores, missing: r.missing ?? [], error: r.error })),
    jury_scores: jury.scores,
    excluded_judges: jury.excluded.map((j) => ({ judge_model: j.judgeModel, status: j.status, error: j.error })),
  };
}

export function juryText(ctx: ToolContext, runs: readonly JudgeRunRecord[], jury: ReturnType<typeof juryOf>): string {
  const scores = Object.entries(jury.jury_scores).map(([name, s]) => `  ${name}: median ${s.median} (mean ${s.mean.toFixed(2)}, ${s.judges} judge${s.judges === 1 ? "" : "s"})`);
  const excluded = jury.excluded_judges.map((j) => `  ${j.judge_model}: ${j.status}${j.error ? ` (${j.error})` : ""}`);
  const lines = [
    `Jury of ${runs.length} judges on audit ${runs[0]!.auditId}; the audit's score per dimension is the median of the judges that scored it.`,
    ...(scores.length > 0 ? ["Jury scores:", ...scores] : ["No judge has scored yet."]),
    ...(excluded.length > 0 ? ["Excluded (no valid score; never counted):", ...excluded] : []),
    "",
    ...runs.map((r) => formatRunText(r, { maxHighlights: 5 })),
  ];
  return capOutput(lines.join("\n"), ctx.service.maxToolOutput, "The whole result is in structuredContent and in the exported transcript.");
}

/** Sends notifications/progress for a waiting tool call, when the client asked for them. */
export function progressNotifier(extra: ToolExtra, judgeModel: string): ((p: JudgeProgress) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let last = 0;
  return (p) => {
    // Progress must increase with every notification.
    const progress = Math.max(Math.round(p.elapsedMs) / 1000, last + 0.001);
    last = progress;
    const attempt = p.attempt > 0 ? `attempt ${p.attempt} of ${p.retries}` : "starting";
    void extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress, message: `Judging with ${judgeModel}: ${attempt}, ${Math.round(p.elapsedMs / 1000)} s so far.` },
      })
      .catch(() => undefined);
  };
}

export const waitArg = (what: string, fallback: number) =>
  z
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(`${what} (default ${fallback}, at most ${MAX_WAIT_SECONDS}: MCP clients cut calls off near 60 s). The run itself is not limited.`);
