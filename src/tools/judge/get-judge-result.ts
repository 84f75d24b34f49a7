/** get_judge_result: a judge run by its id, optionally waiting for it to finish. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { AuditError } from "../../audit/errors.js";
import { appToolMeta } from "../../viewer/app-meta.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";
import { progressNotifier, runOutput, runText, structuredRun, waitArg } from "./runs.js";

export const getJudgeResult = defineTool(TOOL.get_judge_result, (ctx) => {
  const runner = ctx.app.judges;
  return toolSpec({
    description:
      "Fetch a judge run by the run_id that judge returned: its status (running, complete, partial, failed, interrupted), scores, missing dimensions, summary, justification and highlights. " +
      "Pass wait_seconds to wait for a running run to finish.",
    input: z.object({
      audit_id: auditIdArg.optional().describe("The audit the run belongs to (optional; checked when given)."),
      run_id: z.string().min(1).max(100).describe("The run_id returned by judge."),
      wait_seconds: waitArg("How long to wait for a running run to finish", 0),
    }),
    output: runOutput,
    handler: async (args, call) => {
      const found = await runner.runs.get(args.run_id);
      if (!found) {
        throw new AuditError("not_found", `No judge run with id '${args.run_id}'. Use the run_id that judge returned; get_audit shows the latest run of an audit.`);
      }
      if (args.audit_id !== undefined && found.auditId !== args.audit_id) {
        throw new AuditError("not_found", `Judge run '${args.run_id}' belongs to audit ${found.auditId}, not ${args.audit_id}.`);
      }
      const wait = args.wait_seconds ?? 0;
      const run = wait > 0 && found.status === "running" ? ((await runner.wait(found.id, wait * 1000, { onProgress: progressNotifier(call.extra, found.judgeModel), signal: call.extra.signal })) ?? found) : found;
      return { text: await runText(ctx, run), structured: await structuredRun(ctx, run) };
    },
    meta: appToolMeta("judge-result"),
  });
});
