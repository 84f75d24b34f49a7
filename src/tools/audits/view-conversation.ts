/** view_conversation: a page of the current branch of one of an audit's views. */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { AuditError } from "../../audit/errors.js";
import { capOutput, formatToolCall, renderContent } from "../../audit/format.js";
import { isPrefill } from "../../core/messages.js";
import { auditOf } from "../../audit/turn-engine.js";
import type { TreeView } from "../../store/types.js";
import { appToolMeta } from "../../viewer/app-meta.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";

const viewEnum = z.enum(["target", "combined", "auditor"]);

export const viewConversation = defineTool(TOOL.view_conversation, (ctx) => {
  const { service, app } = ctx;
  return toolSpec({
    description:
      "Show the current branch of an audit's conversation with message indices (the indices rollback_conversation takes). " +
      "view 'target' (default) is exactly what the target is sent; 'combined' interleaves auditor actions and target replies; 'auditor' lists the auditor's recorded tool calls. Paged with from and limit.",
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
    meta: appToolMeta("conversation"),
  });
});
