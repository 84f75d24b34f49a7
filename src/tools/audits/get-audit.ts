/** get_audit: everything about one audit (status, tools, pending calls, usage, judge and realism summaries). */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { pendingToolCalls } from "../../audit/conversation.js";
import { capOutput } from "../../audit/format.js";
import { auditOf } from "../../audit/turn-engine.js";
import { judgeSummary } from "../../judge/summary.js";
import { listItem } from "../../mcp/audit-list-item.js";
import { describeSettings, generationSettingsSchema } from "../../models/settings.js";
import { realismSummary } from "../../realism/summary.js";
import { appToolMeta } from "../../viewer/app-meta.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";
import { auditListItem, judgeSummarySchema, realismSummarySchema, usageSchema } from "./schemas.js";

export const getAudit = defineTool(TOOL.get_audit, (ctx) => {
  const { service, app } = ctx;
  return toolSpec({
    description: "Everything about one audit: status, turns used, the target's tools, pending tool calls, branches, model usage and cost per role, judge scores and realism statistics.",
    input: z.object({ audit_id: auditIdArg }),
    output: auditListItem.extend({
      status_reason: z.string().nullable().describe("Why the audit ended or failed, or null while it is active."),
      seed_instruction: z.string().describe("The whole seed instruction."),
      seed_id: z.string().nullable().describe("The library seed (petri://seeds) the audit runs, or null for a seed written out."),
      auditor_model: z.string().nullable().describe("The auditor model: start_audit's auditor_model, the runner's auditor model, or else the MCP client (name and version)."),
      turn_limit: z.enum(["target", "auditor"]).describe("What max_turns counts: target replies (MCP mode) or auditor turns (the built-in runner)."),
      resources_dir: z.string().nullable().describe("The audit's resources folder (absolute), or null when it has none."),
      target_config: generationSettingsSchema.nullable().describe("The target's generation settings (null: the defaults)."),
      target_display_name: z.string().nullable().describe("The name the auditor was given for the target instead of its model id (start_audit's target_display_name), or null."),
      target_messages: z.number().int().describe("Messages in the current target branch."),
      branch_count: z.number().int().describe("Branches of the target conversation (rollbacks and restarts create new ones)."),
      tools: z
        .array(z.object({ name: z.string().describe("The tool's name, as the target calls it."), description: z.string().describe("What the tool does, as the target reads it.") }))
        .describe("The target's synthetic tools."),
      pending_tool_call_ids: z.array(z.string()).describe("Target tool calls that still need send_tool_call_result."),
      usage: z.array(usageSchema).describe("Model usage per role."),
      total_cost_usd: z.number().nullable().describe("Cost of every priced call of the audit in US dollars; null when no call had a known price."),
      max_cost_usd: z.number().nullable().describe("The audit's own budget in US dollars (start_audit's max_cost_usd), or null when it has none."),
      spent_usd: z.number().describe("What counts against max_cost_usd: the cost of the audit's priced target and realism calls so far (judge calls are not counted)."),
      judge: judgeSummarySchema,
      realism: realismSummarySchema,
    }),
    handler: async (args) => {
      const { audit, branch, branches, tools, usage, spending } = await app.store.snapshot(async (tx) => ({
        audit: await auditOf(tx, args.audit_id),
        branch: (await tx.messages.branch(args.audit_id, "target")).map((m) => m.message),
        branches: await tx.messages.branchCount(args.audit_id, "target"),
        tools: await tx.tools.list(args.audit_id),
        usage: await tx.modelCalls.usageByRole(args.audit_id),
        spending: await tx.runs.auditSpending(args.audit_id),
      }));
      const pending = pendingToolCalls(branch)?.pending ?? [];
      const costs = usage.map((u) => u.costUsd).filter((c): c is number => c !== null);
      const judge = await judgeSummary(app.store, audit.id);
      const realism = await realismSummary(app.store, audit.id);
      const structured = {
        ...listItem(audit),
        status_reason: audit.statusReason,
        seed_instruction: audit.seedInstruction,
        seed_id: audit.seedId,
        auditor_model: audit.auditorModel,
        turn_limit: audit.turnLimit,
        resources_dir: audit.resourcesDir,
        target_config: audit.targetConfig,
        target_display_name: audit.targetDisplayName,
        target_messages: branch.length,
        branch_count: branches,
        tools: tools.map((t) => ({ name: t.definition.name, description: t.definition.description })),
        pending_tool_call_ids: pending,
        usage: usage.map((u) => ({
          role: u.role,
          calls: u.calls,
          errors: u.errors,
          input_tokens: u.inputTokens,
          output_tokens: u.outputTokens,
          cache_read_tokens: u.cacheReadTokens,
          cache_write_tokens: u.cacheWriteTokens,
          reasoning_tokens: u.reasoningTokens,
          cost_usd: u.costUsd,
          latency_ms: u.latencyMs,
        })),
        total_cost_usd: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null,
        max_cost_usd: audit.maxCostUsd,
        spent_usd: spending?.spentUsd ?? 0,
        judge,
        realism,
      };
      const lines = [
        `Audit ${audit.id}: ${audit.status}${audit.statusReason ? ` (${audit.statusReason})` : ""}, ${audit.turnsUsed}/${audit.maxTurns} ${audit.turnLimit} turns, target ${audit.targetModel}${audit.targetDisplayName ? ` (shown to the auditor as '${audit.targetDisplayName}')` : ""}.`,
        `Seed${audit.seedId ? ` (library seed ${audit.seedId})` : ""}: ${audit.seedInstruction}`,
        `Target settings: ${describeSettings(audit.targetConfig)}.`,
        `Target conversation: ${branch.length} messages on the current branch, ${branches} branch${branches === 1 ? "" : "es"}.`,
        `Tools: ${tools.length > 0 ? tools.map((t) => t.definition.name).join(", ") : "(none)"}.`,
        pending.length > 0 ? `Pending tool calls: ${pending.join(", ")}.` : "No pending tool calls.",
        `Usage: ${usage.length > 0 ? usage.map((u) => `${u.role} ${u.calls} calls, ${u.inputTokens} in / ${u.outputTokens} out tokens${u.errors > 0 ? `, ${u.errors} errors` : ""}`).join("; ") : "no model calls yet"}.`,
        `Cost: ${structured.total_cost_usd !== null ? `$${structured.total_cost_usd.toFixed(4)}` : "unknown (no priced model call)"}.`,
        ...(audit.maxCostUsd !== null ? [`Budget: $${structured.spent_usd.toFixed(4)} of max_cost_usd $${audit.maxCostUsd} spent by target and realism calls.`] : []),
        judge.scores ? `Judge (${judge.scores_status}, ${judge.scores_model}): ${Object.entries(judge.scores).map(([k, v]) => `${k}=${v}`).join(", ")}` : `Judge: ${judge.runs > 0 ? `${judge.runs} run(s), latest ${judge.latest_status}` : "not judged yet"}.`,
        ...(judge.jury ? [`Jury medians: ${Object.entries(judge.jury).map(([k, v]) => `${k}=${v.median}`).join(", ")}`] : []),
        ...(judge.excluded_judges.length > 0 ? [`Judges without a valid score (excluded, never counted): ${judge.excluded_judges.join(", ")}.`] : []),
        ...(judge.summary ? [`Judge summary: ${judge.summary}`] : []),
        realism.enabled ? `Realism: ${realism.checks} checks, ${realism.rejections} rejections, ${realism.errors} errors.` : "Realism filter: off.",
      ];
      return { text: capOutput(lines.join("\n"), service.maxToolOutput), structured };
    },
    meta: appToolMeta("audit"),
  });
});
