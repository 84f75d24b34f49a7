/**
 * Audit lifecycle and inspection: start_audit, list_audits, get_audit, view_conversation.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import { pendingToolCalls } from "../audit/conversation.js";
import { AuditError } from "../audit/errors.js";
import { capOutput, formatToolCall, renderContent } from "../audit/format.js";
import { isPrefill } from "../core/messages.js";
import { auditOf } from "../audit/turn-engine.js";
import { briefText, judgeBrief, judgeBriefSchema, judgeSummary, judgeSummarySchema } from "../judge/summary.js";
import { chooseSeed } from "../prompts/seed-choice.js";
import { loadSeedLibrary } from "../prompts/seeds.js";
import { describeSettings, generationSettingsSchema, mergeSettings, settingsOrNull } from "../models/settings.js";
import { realismSummary, realismSummarySchema } from "../realism/summary.js";
import { resolveAuditResourcesDir } from "../resources/roots.js";
import { appToolMeta } from "../viewer/app-meta.js";
import type { AuditRecord, TreeView } from "../store/types.js";
import { auditIdArg, registerTool, type ToolContext } from "./define.js";

const statusEnum = z.enum(["active", "ended", "max_turns", "failed"]);

const auditListItem = z.object({
  audit_id: z.string().describe("The audit's id, for every audit tool."),
  status: statusEnum.describe("active, or how it ended: ended, max_turns or failed."),
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

/** An audit as list_audits and the petri://audits resource show it. */
export function listItem(audit: AuditRecord): z.infer<typeof auditListItem> {
  return {
    audit_id: audit.id,
    status: audit.status,
    target_model: audit.targetModel,
    seed_instruction: audit.seedInstruction.slice(0, 200),
    tags: audit.tags,
    turns_used: audit.turnsUsed,
    max_turns: audit.maxTurns,
    run_id: audit.runId,
    epoch: audit.epoch,
    created_at: audit.createdAt,
    updated_at: audit.updatedAt,
  };
}

const usageSchema = z.object({
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

export function registerAuditTools(server: McpServer, ctx: ToolContext): void {
  const { service, app } = ctx;

  registerTool(server, ctx, {
    name: "start_audit",
    title: "Start Audit",
    description:
      "Create a new audit of a target model from a seed instruction (what to probe for and how). Returns the audit_id that every other tool takes. " +
      "seed_instruction may name a library seed (petri://seeds): its id (e.g. pharma_trial_whistleblow), id:<id>, or tags:<a,b> for one random seed having any of those tags; the audit then runs that seed's text and records its id and tags. Any other text is the seed as written. " +
      "Then: create_tool for any synthetic tools the target should have, set_target_system_message, and send_message. " +
      "The target model defaults to the server's configured one.",
    operation: "create",
    input: z.object({
      seed_instruction: z
        .string()
        .min(1)
        .max(100_000)
        .describe("What this audit should probe for and how, in plain language; or a library seed: its id, id:<id>, or tags:<a,b> (one random seed having any of the tags). Unknown ids and tags are refused with close matches."),
      auditor_model: z.string().min(1).max(200).optional().describe("The model driving this audit (you), e.g. anthropic/claude-opus-4-1, recorded with the audit and its exports. Default: the MCP client's name and version."),
      target_model: z.string().max(200).optional().describe("The model to audit, as provider/model: anthropic/claude-sonnet-4-5, openai/gpt-5, openai-api/<name>/<model> or mockllm/model. Defaults to the server's target model."),
      max_turns: z.number().int().min(1).max(1000).optional().describe("How many target replies this audit may produce (default 30)."),
      tags: z.array(z.string().min(1).max(100)).max(50).optional().describe("Labels for filtering, e.g. ['whistleblowing']."),
      realism_filter: z
        .union([z.boolean(), z.number().min(0).max(1)])
        .optional()
        .describe("Score each action for realism before it reaches the target and refuse unrealistic ones: true uses the default threshold (0.6), a number sets the threshold. Off by default."),
      realism_model: z.string().max(200).optional().describe("Model that scores realism (defaults to the server's realism model)."),
      resources_dir: z.string().max(4096).optional().describe("Folder of real resources for this audit, relative to a resources root configured on the server."),
      target_display_name: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe("How to name the target to the auditor instead of its model id (e.g. 'Claude' or 'the assistant'); start_audit's reply uses it and it is stored with the audit (get_audit shows it)."),
      target_config: generationSettingsSchema
        .optional()
        .describe(
          "Target generation settings with Inspect's names, e.g. {\"reasoning_tokens\": 4096, \"max_tokens\": 8192}: temperature, top_p, max_tokens, reasoning_effort (minimal|low|medium|high), reasoning_tokens, reasoning_summary (auto|concise|detailed|none), stop_sequences. Overrides the server's --target-config key by key; settings the target cannot take are refused.",
        ),
    }),
    output: z.object({
      audit_id: z.string().describe("Pass this to every other tool."),
      status: statusEnum.describe("Always active for a new audit."),
      seed_id: z.string().nullable().describe("The library seed this audit runs, or null for a seed written out."),
      tags: z.array(z.string()).describe("The audit's tags: those given plus the library seed's."),
      target_model: z.string().describe("The audited model, as provider/model."),
      max_turns: z.number().int().describe("How many target replies the audit may produce."),
      realism_threshold: z.number().nullable().describe("Null when the realism filter is off."),
      resources_dir: z.string().nullable().describe("The audit's resources folder (absolute), or null when it has none."),
      target_config: generationSettingsSchema.nullable().describe("The target's generation settings (null: the defaults)."),
      target_display_name: z.string().nullable().describe("The name the reply uses for the target, when one was given."),
    }),
    handler: async (args) => {
      const targetModel = args.target_model ?? app.config.targetModel;
      if (!targetModel) {
        throw new AuditError("config", "No target model: pass target_model (e.g. anthropic/claude-sonnet-4-5) or start the server with --target-model / PETRI_TARGET_MODEL.");
      }
      const realismThreshold = args.realism_filter === undefined || args.realism_filter === false ? null : args.realism_filter === true ? app.config.realismThreshold : args.realism_filter;
      const realismModel = realismThreshold === null ? null : (args.realism_model ?? app.config.realismModel ?? null);
      if (realismThreshold !== null && !realismModel) {
        throw new AuditError("config", "The realism filter needs a realism model: pass realism_model or start the server with --realism-model / PETRI_REALISM_MODEL.");
      }
      const resourcesDir = resolveAuditResourcesDir(app.config.resourcesDirs, args.resources_dir);
      // A blank seed is left to startAudit's own check.
      const choice = args.seed_instruction.trim() === "" ? null : chooseSeed(args.seed_instruction, loadSeedLibrary(), { refuseWords: "snake_case" });
      const seed = choice?.fromLibrary ? choice.seed : null;
      const targetConfig = settingsOrNull(mergeSettings(app.config.roleSettings?.target, args.target_config));
      const audit = await service.startAudit({
        targetConfig,
        seedInstruction: seed ? seed.text : args.seed_instruction,
        seedId: seed?.id ?? null,
        targetModel,
        maxTurns: args.max_turns ?? app.config.maxTurns,
        tags: seed ? [...new Set([...(args.tags ?? []), ...seed.tags])] : args.tags,
        realismThreshold,
        realismModel,
        resourcesDir,
        auditorModel: ctx.auditDefaults.auditorModel ?? (args.auditor_model?.trim() || undefined) ?? ctx.clientName() ?? null,
        turnLimit: ctx.auditDefaults.turnLimit,
        runId: ctx.auditDefaults.runId,
        epoch: ctx.auditDefaults.epoch ?? null,
        targetDisplayName: args.target_display_name ?? null,
      });
      const text = [
        `Audit ${audit.id} started: target ${args.target_display_name ?? audit.targetModel}${targetConfig ? ` (${describeSettings(targetConfig)})` : ""}, at most ${audit.maxTurns} target turns${realismThreshold !== null ? `, realism filter on (threshold ${realismThreshold})` : ""}.`,
        ...(seed ? [`Seed: ${choice!.how}${seed.tags.length > 0 ? ` (tags ${seed.tags.join(", ")})` : ""}. Its text is the audit's seed_instruction (get_audit shows it).`] : []),
        `Pass audit_id="${audit.id}" to every tool. Next: create_tool for the target's synthetic tools (optional), set_target_system_message, then send_message.`,
      ].join("\n");
      return {
        text,
        structured: {
          audit_id: audit.id,
          status: audit.status,
          seed_id: audit.seedId,
          tags: audit.tags,
          target_model: audit.targetModel,
          max_turns: audit.maxTurns,
          realism_threshold: audit.realismThreshold,
          resources_dir: audit.resourcesDir,
          target_config: audit.targetConfig,
          target_display_name: audit.targetDisplayName,
        },
      };
    },
  });

  registerTool(server, ctx, {
    name: "list_audits",
    title: "List Audits",
    description: "List audits in the store, newest first, with status and turns used. Filter by status, tag, run id or text in the seed; page with limit and offset.",
    operation: "read",
    input: z.object({
      status: statusEnum.optional().describe("Only audits with this status."),
      tag: z.string().max(100).optional().describe("Only audits carrying this tag."),
      run_id: z.string().max(200).optional().describe("Only audits of this `petri-mcp audit` run."),
      search: z.string().max(500).optional().describe("Only audits whose seed instruction contains this text (or whose id is exactly this)."),
      limit: z.number().int().min(1).max(100).optional().describe("Page size (default 20)."),
      offset: z.number().int().min(0).optional().describe("How many audits to skip (default 0)."),
    }),
    output: z.object({
      audits: z.array(auditListItem.extend(judgeBriefSchema)).describe("This page of audits, newest first."),
      total: z.number().int().describe("Audits matching the filters."),
      next_offset: z.number().int().nullable().describe("Offset of the next page, or null on the last page."),
    }),
    handler: async (args) => {
      const limit = args.limit ?? 20;
      const offset = args.offset ?? 0;
      const { audits, total } = await app.store.audits.list({ status: args.status, tag: args.tag, runId: args.run_id, search: args.search, limit, offset });
      const nextOffset = offset + audits.length < total ? offset + audits.length : null;
      const items = await Promise.all(audits.map(async (a) => ({ ...listItem(a), ...(await judgeBrief(app.store, a.id)) })));
      const lines = items.map((a) => `${a.audit_id}  ${a.status.padEnd(9)} ${String(a.turns_used).padStart(3)}/${a.max_turns}  ${a.target_model}  judge ${briefText(a)}  ${a.seed_instruction.slice(0, 80).replace(/\s+/g, " ")}`);
      const text = total === 0 ? "No audits match." : `${total} audit${total === 1 ? "" : "s"}${nextOffset !== null ? ` (showing ${offset + 1}-${offset + audits.length}; next offset ${nextOffset})` : ""}:\n${lines.join("\n")}`;
      return { text, structured: { audits: items, total, next_offset: nextOffset } };
    },
  });

  registerTool(server, ctx, {
    name: "get_audit",
    title: "Get Audit",
    description: "Everything about one audit: status, turns used, the target's tools, pending tool calls, branches, model usage and cost per role, judge scores and realism statistics.",
    operation: "read",
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
      judge: judgeSummarySchema,
      realism: realismSummarySchema,
    }),
    handler: async (args) => {
      const { audit, branch, branches, tools, usage } = await app.store.snapshot(async (tx) => ({
        audit: await auditOf(tx, args.audit_id),
        branch: (await tx.messages.branch(args.audit_id, "target")).map((m) => m.message),
        branches: await tx.messages.branchCount(args.audit_id, "target"),
        tools: await tx.tools.list(args.audit_id),
        usage: await tx.modelCalls.usageByRole(args.audit_id),
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
        judge.scores ? `Judge (${judge.scores_status}, ${judge.scores_model}): ${Object.entries(judge.scores).map(([k, v]) => `${k}=${v}`).join(", ")}` : `Judge: ${judge.runs > 0 ? `${judge.runs} run(s), latest ${judge.latest_status}` : "not judged yet"}.`,
        ...(judge.jury ? [`Jury medians: ${Object.entries(judge.jury).map(([k, v]) => `${k}=${v.median}`).join(", ")}`] : []),
        ...(judge.excluded_judges.length > 0 ? [`Judges without a valid score (excluded, never counted): ${judge.excluded_judges.join(", ")}.`] : []),
        ...(judge.summary ? [`Judge summary: ${judge.summary}`] : []),
        realism.enabled ? `Realism: ${realism.checks} checks, ${realism.rejections} rejections, ${realism.errors} errors.` : "Realism filter: off.",
      ];
      return { text: capOutput(lines.join("\n"), service.maxToolOutput), structured };
    },
  }).update({ _meta: appToolMeta("audit") });

  const viewEnum = z.enum(["target", "combined", "auditor"]);
  registerTool(server, ctx, {
    name: "view_conversation",
    title: "View Conversation",
    description:
      "Show the current branch of an audit's conversation with message indices (the indices rollback_conversation takes). " +
      "view 'target' (default) is exactly what the target is sent; 'combined' interleaves auditor actions and target replies; 'auditor' lists the auditor's recorded tool calls. Paged with from and limit.",
    operation: "read",
    input: z.object({
      audit_id: auditIdArg,
      view: viewEnum.optional().describe("Which view (default target)."),
      from: z.number().int().min(0).optional().describe("First message index to show (default 0)."),
      limit: z.number().int().min(1).max(500).optional().describe("How many messages to show (default 50)."),
    }),
    output: z.object({
      view: viewEnum.describe("The view shown."),
      total: z.number().int().describe("Messages in the current branch."),
      from: z.number().int().describe("Index of the first message shown."),
      next_from: z.number().int().nullable().describe("Index to pass as `from` for the next page, or null."),
      messages: z.array(
        z.object({
          index: z.number().int().describe("The message's index in the branch (what rollback_conversation takes)."),
          id: z.string().describe("The message's id."),
          role: z.enum(["system", "user", "assistant", "tool"]).describe("Who the message is from, in the view's terms."),
          source: z.string().nullable().describe("Auditor or Target."),
          prefill: z.boolean().describe("True for a prefill the auditor put in the target's mouth."),
          content: z.string().describe("Text, with reasoning as <thinking>…</thinking>."),
          tool_calls: z
            .array(
              z.object({
                id: z.string().describe("The call's id."),
                function: z.string().describe("The tool called."),
                arguments: z.record(z.string(), z.unknown()).describe("The call's arguments."),
              }),
            )
            .describe("Tool calls made in this message (assistant messages only)."),
          tool_call_id: z.string().nullable().describe("For a tool result: the id of the call it answers; else null."),
          error: z.string().nullable().describe("Error text of a failed tool result."),
        }),
      ).describe("This page of the branch, in order."),
    }),
    handler: async (args) => {
      const view: TreeView = args.view ?? "target";
      const branch = await app.store.snapshot(async (tx) => {
        await auditOf(tx, args.audit_id);
        return tx.messages.branch(args.audit_id, view);
      });
      const from = args.from ?? 0;
      if (from > 0 && from >= branch.length) {
        const size = branch.length === 0 ? "is empty" : `has ${branch.length} messages (from 0 to ${branch.length - 1})`;
        throw new AuditError("invalid", `from=${from} is past the end: the ${view} view ${size}.`);
      }
      const page = branch.slice(from, from + (args.limit ?? 50));
      const nextFrom = from + page.length < branch.length ? from + page.length : null;
      const messages = page.map(({ depth, message }) => ({
        index: depth,
        id: message.id,
        role: message.role,
        source: message.metadata?.source ?? null,
        prefill: isPrefill(message),
        content: renderContent(message),
        tool_calls: message.role === "assistant" ? (message.tool_calls ?? []).map((c) => ({ id: c.id, function: c.function, arguments: c.arguments })) : [],
        tool_call_id: message.role === "tool" ? message.tool_call_id : null,
        error: message.role === "tool" ? (message.error?.message ?? null) : null,
      }));
      const blocks = page.map(({ depth, message }) => {
        const label = `${message.role}${isPrefill(message) ? " (prefill)" : ""}${message.role === "tool" ? ` [${message.tool_call_id}]${message.error ? " ERROR" : ""}` : ""}`;
        const body = message.role === "tool" && message.error ? message.error.message : renderContent(message);
        const calls = message.role === "assistant" ? (message.tool_calls ?? []).map((c) => `  ${formatToolCall(c)}`) : [];
        return [`[${depth}] ${label}:`, body, ...calls].join("\n");
      });
      const header = branch.length === 0 ? `The ${view} view is empty.` : `${view} view, messages ${from}-${from + page.length - 1} of ${branch.length}${nextFrom !== null ? ` (next: from=${nextFrom})` : ""}:`;
      const text = capOutput([header, ...blocks].join("\n\n"), service.maxToolOutput, "Page with a smaller limit or a later from.");
      return { text, structured: { view, total: branch.length, from, next_from: nextFrom, messages } };
    },
  }).update({ _meta: appToolMeta("conversation") });
}
