/** What the target-turn tools share: the prefill argument and the structured result of a target turn. */
import * as z from "zod";
import type { PendingResult, TargetReply } from "../../audit/service-types.js";
import { AUDIT_STATUSES } from "../../store/types.js";

export const MAX_TEXT = 1_000_000;

export const prefillArg = z
  .string()
  .max(MAX_TEXT)
  .optional()
  .describe(
    "Optional text the target's reply must start with, as if the target wrote it (trailing whitespace is stripped). Keep it short. Refused for targets whose API does not accept prefill.",
  );

const toolCallSchema = z.object({
  id: z.string().describe("Pass this as tool_call_id to send_tool_call_result."),
  function: z.string().describe("The synthetic tool the target called."),
  arguments: z.record(z.string(), z.unknown()).describe("The arguments the target passed."),
});

/** The structured part of a target turn's result. */
export const targetTurnOutput = z.object({
  target_called: z.boolean().describe("False when the result was stored but other tool calls of the turn are still pending."),
  message_index: z.number().int().nullable().describe("Index of the target's reply in the target conversation (for rollback_conversation)."),
  message_id: z.string().nullable().describe("Id of the target's reply, or null when the target was not called."),
  tool_calls: z.array(toolCallSchema).describe("Tool calls the target made in this reply; answer each one."),
  remaining_tool_call_ids: z.array(z.string()).describe("Calls of the target's turn that still need a result."),
  stop_reason: z.string().nullable().describe("Why the target stopped (e.g. stop, tool_calls, max_tokens), or null when it was not called."),
  status: z.enum(AUDIT_STATUSES).nullable().describe("Audit status after this turn."),
  turns_used: z.number().int().nullable().describe("Turns counted toward max_turns after this turn, or null when the target was not called."),
  max_turns: z.number().int().nullable().describe("The audit's turn limit, or null when the target was not called."),
});

export function targetTurnStructured(result: TargetReply | PendingResult): z.input<typeof targetTurnOutput> {
  if (result.kind === "pending") {
    return {
      target_called: false,
      message_index: null,
      message_id: null,
      tool_calls: [],
      remaining_tool_call_ids: result.remaining,
      stop_reason: null,
      status: null,
      turns_used: null,
      max_turns: null,
    };
  }
  return {
    target_called: true,
    message_index: result.messageIndex,
    message_id: result.messageId,
    tool_calls: result.toolCalls,
    remaining_tool_call_ids: result.toolCalls.map((c) => c.id),
    stop_reason: result.stopReason,
    status: result.status,
    turns_used: result.turnsUsed,
    max_turns: result.maxTurns,
  };
}
