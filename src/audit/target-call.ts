/**
 * The part of a turn that reaches the target: the gate's check of the proposed action, the target
 * call (outside any transaction, the lease renewed), and the commit of its reply with what it
 * leaves in the other views. Nothing is written to the conversation when the call fails.
 */
import { randomUUID } from "node:crypto";
import { callModelDeferred } from "../models/call.js";
import { parseSettings, settingsForCall } from "../models/settings.js";
import { ModelError } from "../models/types.js";
import type { StoreSession } from "../store/types.js";
import { addEditEvent, finishWrite } from "./auditor-record.js";
import { toWire } from "./conversation.js";
import { AuditError } from "./errors.js";
import { capOutput, formatTargetResponse } from "./format.js";
import type { AssistantMessage, ChatMessage } from "../core/messages.js";
import type { AuditCore, OperationOptions, ProposedAction, TargetReply } from "./service-types.js";
import { plainBranch, type Turn, withNotice } from "./turn-engine.js";

/** Asks the gate (realism filter) whether the action may reach the target; throws when refused. */
export async function checkGate(core: AuditCore, turn: Turn, action: ProposedAction, signal?: AbortSignal): Promise<void> {
  const gate = core.gate;
  if (!gate || turn.audit.realismThreshold === null) return;
  const tools = await core.store.tools.list(turn.auditId);
  const decision = await core.engine.withLeaseRenewal(turn, () => gate.check({ audit: turn.audit, branch: plainBranch(turn.branch), tools, action, signal }));
  if (!decision.allowed) throw new AuditError("rejected", decision.message, decision.details);
  turn.gateNotice = decision.notice;
}

/** Calls the target on the turn's branch plus `added`, and commits `added` and its reply. */
export async function runTargetTurn(core: AuditCore, turn: Turn, added: ChatMessage[], eventName: string, options: OperationOptions): Promise<TargetReply> {
  const audit = turn.audit;
  const wire = toWire([...plainBranch(turn.branch), ...added]);
  let model;
  let settings;
  try {
    model = core.models.resolve(audit.targetModel);
    settings = settingsForCall("target", audit.targetModel, model.capabilities, parseSettings(audit.targetConfig, "target_config"), "target_config");
  } catch (error) {
    throw new AuditError("config", error instanceof Error ? error.message : String(error));
  }
  const tools = (await core.store.tools.list(audit.id)).map((t) => t.definition);
  let outcome;
  try {
    outcome = await core.engine.withLeaseRenewal(turn, () =>
      callModelDeferred({
        store: core.store,
        auditId: audit.id,
        role: "target",
        model,
        request: { system: wire.system, messages: wire.messages, tools, ...settings, signal: options.signal },
      }),
    );
  } catch (error) {
    if (error instanceof ModelError && error.kind === "budget") {
      // The audit's (or its run's) budget is spent: it ends as the runner ends a budget-stopped audit.
      await core.store.transaction(async (tx) => {
        if ((await tx.audits.get(audit.id))?.status === "active") await tx.audits.setStatus(audit.id, "failed", `budget: ${error.message}`);
      });
      throw new AuditError("closed", `${error.message} Audit ${audit.id} is over (failed, reason budget); nothing was sent to the target. Judge it or export it, or start_audit for a new audit.`, {
        error_kind: error.kind,
      });
    }
    if (error instanceof ModelError) {
      throw new AuditError("model", `Error calling the target model (${audit.targetModel}): ${error.message} Nothing was written; you can retry.`, {
        error_kind: error.kind,
      });
    }
    throw error;
  }
  const { result, record: callRecord } = outcome;
  const reply: AssistantMessage = {
    ...result.message,
    id: result.message.id ?? randomUUID(),
    role: "assistant",
    model: result.model ?? audit.targetModel,
    metadata: { ...result.message.metadata, source: "Target" },
  };
  try {
    return await core.engine.commit(turn, async (tx) => {
      await tx.modelCalls.record(callRecord);
      return storeTargetReply(core, tx, turn, { added, reply, stopReason: result.stopReason, eventName, options });
    });
  } catch (error) {
    // The commit rolled back, but the call happened (and was paid for): record it on its own.
    await core.engine.recordCallAlone(callRecord);
    throw error;
  }
}

interface ReplyToStore {
  added: ChatMessage[];
  reply: AssistantMessage;
  stopReason: string;
  eventName: string;
  options: OperationOptions;
}

/** Writes a target turn (its new messages and the reply) and what it leaves in the other views. Inside the commit. */
async function storeTargetReply(core: AuditCore, tx: StoreSession, turn: Turn, { added, reply, stopReason, eventName, options }: ReplyToStore): Promise<TargetReply> {
  const audit = turn.audit;
  const stored = await tx.messages.append(audit.id, "target", [...added, reply]);
  await addEditEvent(tx, audit.id, "target", eventName, stored);
  const replyStored = stored[stored.length - 1]!;
  await tx.events.add(audit.id, { type: "decision_event", data: { seq: replyStored.seq, name: "Target" } });
  // turns_used counts what max_turns counts: target replies here, auditor turns in the runner.
  const turnsUsed = audit.turnLimit === "target" ? await tx.audits.addTurn(audit.id) : (await tx.audits.get(audit.id))!.turnsUsed;
  const limitReached = audit.turnLimit === "target" && turnsUsed >= audit.maxTurns;
  const calls = reply.tool_calls ?? [];
  const hint = limitReached
    ? `This was the last target turn: the audit reached max_turns (${audit.maxTurns}) and is over. Judge it with judge and export it with export_transcript.`
    : undefined;
  const text = withNotice(turn, capOutput(formatTargetResponse(reply, replyStored.depth, { hint }), core.maxToolOutput, "The target's reply is stored whole; read it with view_conversation."));
  await finishWrite(tx, audit.id, options.record, text, { combinedExtra: [reply], replyInCombined: true, combinedName: eventName });
  if (limitReached) await tx.audits.setStatus(audit.id, "max_turns", `reached max_turns (${audit.maxTurns} target turns)`);
  return {
    kind: "reply",
    messageIndex: replyStored.depth,
    messageId: reply.id,
    toolCalls: calls.map((c) => ({ id: c.id, function: c.function, arguments: c.arguments })),
    stopReason,
    status: limitReached ? "max_turns" : audit.status,
    turnsUsed,
    maxTurns: audit.maxTurns,
    text,
  };
}
