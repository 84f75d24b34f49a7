/**
 * The target conversation: its system message, the auditor's messages, tool results, rollbacks,
 * and the end of the audit (by the auditor, or from outside by the runner).
 */
import { randomUUID } from "node:crypto";
import type { AuditRecord } from "../store/types.js";
import { addEditEvent, finishWrite } from "./auditor-record.js";
import { TOOL } from "./catalogue.js";
import { pendingToolCalls, rollbackProblem } from "./conversation.js";
import { AuditError } from "./errors.js";
import { capOutput, formatTargetResponse } from "./format.js";
import type { AssistantMessage, ChatMessage, SystemMessage, ToolCall, ToolMessage, UserMessage } from "../core/messages.js";
import { type AuditCore, type GatedTool, MAX_TEXT_CHARS, type OperationOptions, type PendingResult, requireText, type SimpleResult, type TargetReply } from "./service-types.js";
import { checkGate, runTargetTurn } from "./target-call.js";
import { auditOf, closedError, plainBranch, withNotice } from "./turn-engine.js";

/** The pending call `toolCallId` of the target's latest turn and the calls left after it, or a clear error. */
function answerableCall(branch: readonly ChatMessage[], toolCallId: string): { call: ToolCall; remaining: string[] } {
  const pending = pendingToolCalls(branch);
  if (!pending) {
    throw new AuditError("invalid", "The target has no pending tool calls: its latest turn made none. Use send_message to continue the conversation.");
  }
  const call = pending.calls.find((c) => c.id === toolCallId);
  if (!call) {
    throw new AuditError("invalid", `Tool call id '${toolCallId}' does not belong to the target's latest turn. Pending ids: ${pending.pending.join(", ") || "(none)"}.`, {
      pending_tool_call_ids: pending.pending,
    });
  }
  if (pending.answered.has(toolCallId)) {
    throw new AuditError(
      "invalid",
      `Tool call '${toolCallId}' already has a result in this turn. To answer it differently, roll back to message ${pending.assistantIndex} with rollback_conversation and answer again.`,
    );
  }
  return { call, remaining: pending.pending.filter((id) => id !== toolCallId) };
}

function normalizePrefill(core: AuditCore, prefill: string | undefined): string | undefined {
  if (prefill === undefined) return undefined;
  if (!core.prefillEnabled) throw new AuditError("invalid", "Prefill is disabled on this server (started with --no-prefill). Send the message without prefill.");
  if (prefill.length > MAX_TEXT_CHARS) throw new AuditError("invalid", `prefill is too long (limit ${MAX_TEXT_CHARS} characters).`);
  const trimmed = prefill.trimEnd();
  return trimmed === "" ? undefined : trimmed;
}

function prefillMessages(prefill: string | undefined): AssistantMessage[] {
  if (!prefill) return [];
  return [{ id: randomUUID(), role: "assistant", content: prefill, metadata: { source: "Auditor", prefill: true } }];
}

function requirePrefillSupport(core: AuditCore, audit: AuditRecord, prefill: string | undefined): void {
  if (!prefill) return;
  if (!core.models.capabilities(audit.targetModel).prefill) {
    throw new AuditError("invalid", `Prefill is not supported by ${audit.targetModel}: its API rejects a trailing assistant message. Resend without prefill.`);
  }
}

export async function setSystemMessage(core: AuditCore, auditId: string, systemMessage: string, options: OperationOptions = {}): Promise<SimpleResult> {
  requireText(systemMessage, "system_message");
  const turn = await core.engine.begin(auditId, { requireTurnsLeft: false });
  try {
    await checkGate(core, turn, { tool: TOOL.set_target_system_message, arguments: { system_message: systemMessage } }, options.signal);
    const system: SystemMessage = { id: randomUUID(), role: "system", content: systemMessage, metadata: { source: "Auditor" } };
    return await core.engine.commit(turn, async (tx) => {
      const [stored] = await tx.messages.append(auditId, "target", [system], null);
      await tx.events.add(auditId, { type: "transcript_event", view: "target", name: "New Target Conversation", data: { operation: "reset", seqs: [stored!.seq] } });
      const text = withNotice(turn, "Target system message set. The target conversation starts over from this system message; synthetic tools are kept.");
      await finishWrite(tx, auditId, options.record, text, { combinedExtra: [system], combinedName: "New Target Conversation" });
      return { text };
    });
  } finally {
    await core.engine.end(turn);
  }
}

export async function sendMessage(core: AuditCore, auditId: string, input: { message: string; prefill?: string }, options: OperationOptions = {}): Promise<TargetReply> {
  requireText(input.message, "Message");
  const prefill = normalizePrefill(core, input.prefill);
  const turn = await core.engine.begin(auditId, {
    validate: (branch) => {
      const pending = pendingToolCalls(branch);
      if (pending && pending.pending.length > 0) {
        throw new AuditError(
          "invalid",
          `The target has pending tool calls (${pending.pending.join(", ")}). Answer each with send_tool_call_result before sending a message, or roll back with rollback_conversation.`,
          { pending_tool_call_ids: pending.pending },
        );
      }
    },
  });
  try {
    requirePrefillSupport(core, turn.audit, prefill);
    await checkGate(core, turn, { tool: TOOL.send_message, arguments: { message: input.message, ...(prefill ? { prefill } : {}) } }, options.signal);
    const user: UserMessage = { id: randomUUID(), role: "user", content: input.message, metadata: { source: "Auditor" } };
    return await runTargetTurn(core, turn, [user, ...prefillMessages(prefill)], "Send Message", options);
  } finally {
    await core.engine.end(turn);
  }
}

/**
 * Checks, reading only, that `toolCallId` could be answered now: the audit is active with target
 * turns left and the call is an unanswered one of the target's latest turn. Resource tools run it
 * before reading any file; sendToolResult checks again when it starts its turn.
 */
export async function checkAnswerable(core: AuditCore, auditId: string, toolCallId: string): Promise<void> {
  const { audit, branch } = await core.store.snapshot(async (tx) => ({ audit: await auditOf(tx, auditId), branch: await tx.messages.branch(auditId, "target") }));
  if (audit.status !== "active") throw closedError(audit);
  if (audit.turnLimit === "target" && audit.turnsUsed >= audit.maxTurns) throw closedError({ ...audit, status: "max_turns" });
  answerableCall(plainBranch(branch), toolCallId);
}

export interface ToolResultInput {
  toolCallId: string;
  result: string;
  status?: string;
  prefill?: string;
  /** The tool the gate sees (resource tools send file content as a result). */
  gateTool?: GatedTool;
  gateArguments?: Record<string, unknown>;
}

/**
 * Answers one pending tool call of the target's latest turn. The target is called once the last
 * pending call of that turn has its result. `gateArguments` lets resource tools send file content
 * while the gate sees their own arguments.
 */
export async function sendToolResult(core: AuditCore, auditId: string, input: ToolResultInput, options: OperationOptions = {}): Promise<TargetReply | PendingResult> {
  const status = (input.status ?? "success").trim().toLowerCase();
  if (status !== "success" && status !== "error") throw new AuditError("invalid", `Invalid status '${input.status}': use "success" or "error".`);
  if (input.result.length > MAX_TEXT_CHARS) throw new AuditError("invalid", `result is ${input.result.length} characters long; the limit is ${MAX_TEXT_CHARS}.`);
  const prefill = normalizePrefill(core, input.prefill);
  let remaining: string[] = [];
  let call: ToolCall | undefined;
  const turn = await core.engine.begin(auditId, {
    validate: (branch) => {
      ({ call, remaining } = answerableCall(branch, input.toolCallId));
    },
  });
  try {
    const isLast = remaining.length === 0;
    if (isLast) requirePrefillSupport(core, turn.audit, prefill);
    const gateArguments = input.gateArguments ?? { tool_call_id: input.toolCallId, result: input.result, status, ...(prefill ? { prefill } : {}) };
    await checkGate(core, turn, { tool: input.gateTool ?? TOOL.send_tool_call_result, toolCallId: input.toolCallId, arguments: gateArguments }, options.signal);
    const toolMessage: ToolMessage = {
      id: randomUUID(),
      role: "tool",
      tool_call_id: input.toolCallId,
      function: call!.function,
      content: status === "error" ? "" : input.result,
      error: status === "error" ? { type: "unknown", message: input.result } : null,
      metadata: { source: "Auditor" },
    };
    if (isLast) return await runTargetTurn(core, turn, [toolMessage, ...prefillMessages(prefill)], "Send Tool Call Result", options);
    return await core.engine.commit(turn, async (tx) => {
      const stored = await tx.messages.append(auditId, "target", [toolMessage]);
      await addEditEvent(tx, auditId, "target", "Send Tool Call Result", stored);
      const ignored = prefill ? " The prefill was ignored: it applies only with the last result of the turn." : "";
      const text = withNotice(
        turn,
        capOutput(`Result for tool call ${input.toolCallId} stored. The target is called once every call of its turn has a result; still waiting for: ${remaining.join(", ")}.${ignored}`, core.maxToolOutput),
      );
      await finishWrite(tx, auditId, options.record, text);
      return { kind: "pending" as const, answered: input.toolCallId, remaining, text };
    });
  } finally {
    await core.engine.end(turn);
  }
}

export async function rollback(
  core: AuditCore,
  auditId: string,
  index: number,
  options: OperationOptions = {},
): Promise<SimpleResult & { messageIndex: number; removed: number; pendingToolCallIds: string[] }> {
  return core.engine.write(auditId, async (tx) => {
    const branch = await tx.messages.branch(auditId, "target");
    const problem = rollbackProblem(plainBranch(branch), index);
    if (problem) throw new AuditError("invalid", problem);
    const kept = branch[index]!;
    const removed = branch.length - 1 - index;
    let header: string;
    if (removed === 0) {
      header = `No rollback needed: message ${index} is already the last message of the target conversation.`;
    } else {
      await tx.messages.setHead(auditId, "target", kept.seq);
      await tx.events.add(auditId, { type: "transcript_event", view: "target", name: "Rollback", data: { operation: "rollback", to_id: kept.message.id, count: removed } });
      const combined = await tx.messages.branch(auditId, "combined");
      const same = combined.find((m) => m.message.id === kept.message.id);
      if (same && same.seq !== combined[combined.length - 1]!.seq) {
        await tx.messages.setHead(auditId, "combined", same.seq);
        await tx.events.add(auditId, {
          type: "transcript_event",
          view: "combined",
          name: "Rollback",
          data: { operation: "rollback", to_id: same.message.id, count: combined.length - 1 - combined.indexOf(same) },
        });
      }
      header = `Rolled back to message index ${index} (${removed} message${removed === 1 ? "" : "s"} removed from the target's view; the old branch is kept for the judge). The target remembers nothing after this message.`;
    }
    const pending = pendingToolCalls(plainBranch(await tx.messages.branch(auditId, "target")));
    const pendingIds = pending?.pending ?? [];
    const hint =
      pendingIds.length > 0
        ? `Its tool calls are pending again (${pendingIds.join(", ")}): answer them with send_tool_call_result.`
        : kept.message.role === "assistant"
          ? "Continue with send_message."
          : "The target has not replied to this message yet; send_message adds another user turn.";
    const text = capOutput(`${header}\n\n${formatTargetResponse(kept.message, index, { maxChars: 1000, hint })}`, core.maxToolOutput);
    await finishWrite(tx, auditId, options.record, text);
    return { text, messageIndex: index, removed, pendingToolCallIds: pendingIds };
  });
}

export async function endConversation(core: AuditCore, auditId: string, options: OperationOptions = {}): Promise<SimpleResult> {
  return core.engine.write(auditId, async (tx) => {
    const text = "The conversation is over. The audit is ended and the target will not be called again; judge it with judge and export it with export_transcript.";
    await finishWrite(tx, auditId, options.record, text);
    await tx.audits.setStatus(auditId, "ended", "ended by the auditor");
    return { text };
  });
}

/**
 * Closes an audit from outside the conversation (the runner: its auditor turns ran out, or a
 * model failed). An audit that is already closed keeps its status.
 */
export async function closeAudit(core: AuditCore, auditId: string, status: "ended" | "max_turns" | "failed", reason: string): Promise<AuditRecord> {
  return core.store.transaction(async (tx) => {
    const audit = await auditOf(tx, auditId);
    if (audit.status === "active") await tx.audits.setStatus(auditId, status, reason);
    return auditOf(tx, auditId);
  });
}
