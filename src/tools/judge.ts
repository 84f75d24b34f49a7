/**
 * judge and get_judge_result. A judge run goes on in the background of the server process; judge
 * waits for it up to wait_seconds (with progress notifications), then returns the result or the
 * run id to fetch it with get_judge_result.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { AuditError } from "../audit/errors.js";
import { capOutput } from "../audit/format.js";
import { DEFAULT_JUDGE_RETRIES, MAX_JUDGE_RETRIES } from "../judge/attempts.js";
import { MAX_DIMENSIONS, MAX_RUBRIC_CHARS, MAX_TITLE_CHARS } from "../judge/dimensions.js";
import { auditJury } from "../judge/jury.js";
import { formatRunText } from "../judge/report.js";
import { prepareJudgeRun } from "../judge/request.js";
import type { JudgeProgress, JudgeRunRequest } from "../judge/runner.js";
import type { JudgeRunRecord } from "../judge/runs.js";
import { generationSettingsSchema } from "../models/settings.js";
import { describeLocation, locationsById } from "../core/branches.js";
import { appToolMeta } from "../viewer/app-meta.js";
import { auditIdArg, registerTool, type ToolContext, type ToolExtra } from "./define.js";

export const DEFAULT_WAIT_SECONDS = 45;
/** Judges in one jury call. */
export const MAX_JURY = 10;
/** MCP clients cut tool calls off near 60 s. */
export const MAX_WAIT_SECONDS = 50;

const runStatus = z.enum(["running", "complete", "partial", "failed", "interrupted"]);

const citationPart = z.object({
  message_id: z.string().describe("Id of the cited message (the claimed one when unresolved)."),
  quoted_text: z.string().describe("The text found in the message (for fuzzy matches, the matched text rather than the judge's quote)."),
  position: z.tuple([z.number().int(), z.number().int()]).nullable().describe("[start, end) character offsets in the message content or the tool argument; null when unresolved."),
  tool_call_id: z.string().nullable().describe("Set when the quote is in a tool-call argument: the call's id."),
  tool_arg: z.string().nullable().describe("Set when the quote is in a tool-call argument: the argument's name."),
  match: z.enum(["exact", "fuzzy", "unresolved"]).describe("How the quote was found: exactly, approximately (similarity >= 80), or not at all."),
  similarity: z.number().optional().describe("Fuzzy matches: similarity of the quote and the matched text, 0-100."),
});

const runOutput = z.object({
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

function warningsOf(run: JudgeRunRecord): string[] {
  const kept = run.messages?.find((m) => m.metadata?.kept === true);
  const warnings = kept?.metadata?.warnings;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === "string") : [];
}

async function structuredRun(ctx: ToolContext, run: JudgeRunRecord): Promise<z.input<typeof runOutput>> {
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

async function runText(ctx: ToolContext, run: JudgeRunRecord): Promise<string> {
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
function juryOf(runs: readonly JudgeRunRecord[]) {
  const jury = auditJury(runs);
  return {
    jury: runs.map((r) => ({ run_id: r.id, judge_model: r.judgeModel, status: r.status, scores: r.scores, missing: r.missing ?? [], error: r.error })),
    jury_scores: jury.scores,
    excluded_judges: jury.excluded.map((j) => ({ judge_model: j.judgeModel, status: j.status, error: j.error })),
  };
}

function juryText(ctx: ToolContext, runs: readonly JudgeRunRecord[], jury: ReturnType<typeof juryOf>): string {
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
function progressNotifier(extra: ToolExtra, judgeModel: string): ((p: JudgeProgress) => void) | undefined {
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

const waitArg = (what: string, fallback: number) =>
  z
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(`${what} (default ${fallback}, at most ${MAX_WAIT_SECONDS}: MCP clients cut calls off near 60 s). The run itself is not limited.`);

export function registerJudgeTools(server: McpServer, ctx: ToolContext): void {
  const { app } = ctx;
  const runner = app.judges;

  registerTool(server, ctx, {
    name: "judge",
    title: "Judge Audit",
    description:
      "Score the target's behaviour in an audit with a judge model, as Petri does: it reads every branch of the target conversation and gives 1-10 scores on alignment dimensions " +
      "(Petri's 38 by default), a summary and cited highlights. The run goes on in the background; this call waits up to wait_seconds and returns the result, " +
      "or status 'running' and a run_id to pass to get_judge_result. Every run is kept; judging again (another model or rubric) adds a run. " +
      "dimensions: omit for the defaults; or a list mixing default names (e.g. ['concerning', 'unprompted_blackmail']) and custom rubrics {name, description}; " +
      "or the path of a folder of rubric .md files inside a resources root.",
    operation: "model",
    // Judging reads the audit; it must not hold up this session's other calls on it.
    serialize: false,
    input: z.object({
      audit_id: auditIdArg,
      dimensions: z
        .union([
          z
            .array(
              z.union([
                z.string().max(64).describe("The name of a default dimension, e.g. 'concerning'."),
                z
                  .strictObject({
                    name: z.string().max(64).describe("Dimension name: lowercase letters, digits and underscores, starting with a letter (e.g. 'reward_hacking')."),
                    description: z.string().max(MAX_RUBRIC_CHARS).describe("The rubric: what the dimension measures and what 1, the middle of the scale and 10 mean."),
                    title: z.string().max(MAX_TITLE_CHARS).optional().describe("A short human title (default: the name with spaces)."),
                    higher_is_better: z.boolean().optional().describe("True when 10 is the best score, like 'admirable' (default false: 10 is the worst)."),
                  })
                  .describe("A custom dimension with its rubric."),
              ]),
            )
            .max(MAX_DIMENSIONS)
            .describe("Default dimension names and/or custom rubrics, scored in this order."),
          z.string().max(4096).describe("A folder of rubric .md files (frontmatter name, title, higher_is_better; body = rubric), relative to a resources root of the server."),
        ])
        .optional()
        .describe("What to score. Omit for Petri's 38 default dimensions."),
      judge_model: z.string().max(200).optional().describe("The judge model as provider/model (default: the server's --judge-model)."),
      judge_models: z
        .array(z.string().max(200))
        .min(1)
        .max(MAX_JURY)
        .optional()
        .describe(
          "A jury instead of judge_model: each model judges the audit in its own run, at the same time. The audit's score per dimension is the median across the judges that scored it; a judge that fails is excluded and named, never counted.",
        ),
      judge_config: generationSettingsSchema
        .optional()
        .describe("Judge generation settings with Inspect's names (max_tokens, reasoning_tokens, reasoning_effort, temperature, ...), over the server's --judge-config key by key. Default: max_tokens 32000, reasoning_tokens 10000, reasoning_effort high (thinking only where the model thinks)."),
      retries: z
        .number()
        .int()
        .min(1)
        .max(MAX_JUDGE_RETRIES)
        .optional()
        .describe(`Attempts in all when the judge's answer misses scores (default ${DEFAULT_JUDGE_RETRIES}); each retry is told what was wrong.`),
      wait_seconds: waitArg("How long this call waits for the run before returning status 'running'", DEFAULT_WAIT_SECONDS),
    }),
    output: runOutput.extend({
      reused_running_run: z.boolean().describe("True when an identical run (same model and dimensions) was already under way and this call followed it instead of starting another."),
      jury: z
        .array(z.object({ run_id: z.string(), judge_model: z.string(), status: runStatus, scores: z.record(z.string(), z.number().int()).nullable(), missing: z.array(z.string()), error: z.string().nullable() }))
        .describe("With judge_models: every judge's run, in the order given (the fields above describe the first). Empty without judge_models."),
      jury_scores: z
        .record(z.string(), z.object({ median: z.number(), mean: z.number(), judges: z.number().int() }))
        .describe("With judge_models: per dimension the median and mean across the judges of this call that scored it."),
      excluded_judges: z
        .array(z.object({ judge_model: z.string(), status: z.string(), error: z.string().nullable() }))
        .describe("Judges of this call with no valid score (failed, interrupted, or still running): left out of jury_scores, never counted."),
    }),
    handler: async (args, extra) => {
      if (args.judge_model !== undefined && args.judge_models !== undefined) throw new AuditError("invalid", "Pass judge_model or judge_models, not both.");
      const models = args.judge_models ?? [args.judge_model];
      const repeated = models.find((m, i) => models.indexOf(m) !== i);
      if (repeated !== undefined) throw new AuditError("invalid", `judge_models lists ${repeated} twice; give each judge once.`);
      // Every request is checked before any run starts: bad input changes nothing.
      const requests: JudgeRunRequest[] = [];
      for (const judgeModel of models) {
        const deps = { store: app.store, models: app.models, defaultJudgeModel: app.config.judgeModel, defaultJudgeConfig: app.config.roleSettings?.judge, folders: { allowedRoots: app.config.resourcesDirs } };
        requests.push(await prepareJudgeRun(deps, { auditId: args.audit_id, dimensions: args.dimensions, judgeModel, retries: args.retries, judgeConfig: args.judge_config }));
      }
      const waitMs = (args.wait_seconds ?? DEFAULT_WAIT_SECONDS) * 1000;
      const outcomes = await Promise.all(
        requests.map(async (request, i) => {
          const running = await runner.runs.findRunning(request.auditId, request.judgeModel, request.dimensions);
          // A run under way is followed only when it also has the same settings.
          const existing = running && JSON.stringify(running.judgeConfig) === JSON.stringify(request.judgeConfig ?? null) ? running : undefined;
          const runId = existing?.id ?? (await runner.start(request));
          const run = await runner.wait(runId, waitMs, { onProgress: i === 0 ? progressNotifier(extra, request.judgeModel) : undefined, signal: extra.signal });
          if (!run) throw new Error(`judge run ${runId} vanished from the store`);
          return { run, reused: existing !== undefined };
        }),
      );
      const first = outcomes[0]!;
      const reused = first.reused ? `An identical judge run was already under way; this call followed it instead of starting another.\n` : "";
      const structured = { ...(await structuredRun(ctx, first.run)), reused_running_run: first.reused, ...juryOf(args.judge_models ? outcomes.map((o) => o.run) : []) };
      const text = args.judge_models ? juryText(ctx, outcomes.map((o) => o.run), structured) : reused + (await runText(ctx, first.run));
      return { text, structured };
    },
  });

  registerTool(server, ctx, {
    name: "get_judge_result",
    title: "Get Judge Result",
    description:
      "Fetch a judge run by the run_id that judge returned: its status (running, complete, partial, failed, interrupted), scores, missing dimensions, summary, justification and highlights. " +
      "Pass wait_seconds to wait for a running run to finish.",
    operation: "read",
    input: z.object({
      audit_id: auditIdArg.optional().describe("The audit the run belongs to (optional; checked when given)."),
      run_id: z.string().min(1).max(100).describe("The run_id returned by judge."),
      wait_seconds: waitArg("How long to wait for a running run to finish", 0),
    }),
    output: runOutput,
    handler: async (args, extra) => {
      const found = await runner.runs.get(args.run_id);
      if (!found) {
        throw new AuditError("not_found", `No judge run with id '${args.run_id}'. Use the run_id that judge returned; get_audit shows the latest run of an audit.`);
      }
      if (args.audit_id !== undefined && found.auditId !== args.audit_id) {
        throw new AuditError("not_found", `Judge run '${args.run_id}' belongs to audit ${found.auditId}, not ${args.audit_id}.`);
      }
      const wait = args.wait_seconds ?? 0;
      const run = wait > 0 && found.status === "running" ? ((await runner.wait(found.id, wait * 1000, { onProgress: progressNotifier(extra, found.judgeModel), signal: extra.signal })) ?? found) : found;
      return { text: await runText(ctx, run), structured: await structuredRun(ctx, run) };
    },
  }).update({ _meta: appToolMeta("judge-result") });
}
