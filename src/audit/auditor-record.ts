/**
 * The auditor's record of an audit: what each auditor call leaves in the auditor and combined
 * views, the runner's own conversation, and its turn count.
 */
import { randomUUID } from "node:crypto";
import type { StoredMessage, StoreSession, TreeView } from "../store/types.js";
import { auditorCallView } from "./auditor-view.js";
import { AuditError } from "./errors.js";
import type { AssistantMessage, ChatMessage, ToolMessage } from "../core/messages.js";
import type { AuditCore, AuditorCall } from "./service-types.js";
import { auditOf } from "./turn-engine.js";

/** The transcript event of messages added to a view (nothing when none were). */
export async function addEditEvent(tx: StoreSession, auditId: string, view: TreeView, name: string, stored: StoredMessage[]): Promise<void> {
  if (stored.length === 0) return;
  await tx.events.add(auditId, { type: "transcript_event", view, name, data: { operation: "add", seqs: stored.map((m) => m.seq) } });
}

export interface FinishExtra {
  /** Target messages the call produced, for the combined view. */
  combinedExtra?: ChatMessage[];
  /** The result holds the target's reply, already in `combinedExtra`: not repeated. */
  replyInCombined?: boolean;
  combinedName?: string;
}

/**
 * Writes what an auditor call leaves behind: in the combined view the call, any target messages
 * it produced and its result (a result that holds the target's reply is not repeated); in the
 * auditor view the call and its result. Then marks the audit changed. Inside a transaction.
 */
export async function finishWrite(tx: StoreSession, auditId: string, record: AuditorCall | undefined, resultText: string, extra: FinishExtra = {}): Promise<void> {
  const combined: ChatMessage[] = [];
  const auditorMessages: ChatMessage[] = [];
  if (record) {
    const callId = `toolu_${randomUUID().replace(/-/g, "").slice(0, 24)}`;
    const call: AssistantMessage = {
      id: randomUUID(),
      role: "assistant",
      content: "",
      tool_calls: [{ id: callId, function: record.tool, arguments: record.arguments, type: "function", view: auditorCallView(record.tool, record.arguments) }],
      metadata: { source: "Auditor" },
    };
    const result: ToolMessage = { id: randomUUID(), role: "tool", tool_call_id: callId, function: record.tool, content: resultText, metadata: { source: "Auditor" } };
    auditorMessages.push(call, result);
    combined.push(call, ...(extra.combinedExtra ?? []));
    if (!extra.replyInCombined) combined.push(result);
  } else {
    combined.push(...(extra.combinedExtra ?? []));
  }
  if (auditorMessages.length > 0) await addEditEvent(tx, auditId, "auditor", record!.tool, await tx.messages.append(auditId, "auditor", auditorMessages));
  if (combined.length > 0) await addEditEvent(tx, auditId, "combined", extra.combinedName ?? record?.tool ?? "Auditor", await tx.messages.append(auditId, "combined", combined));
  await tx.audits.touch(auditId);
}

/**
 * Appends the auditor's own conversation (the runner's system prompt, user message, generations,
 * tool results, continue prompts) to the auditor and combined views, as one change named like
 * Petri's spans ("Audit", "Auditor", "Tool response", "Continue Prompt").
 */
export async function appendAuditorMessages(core: AuditCore, auditId: string, messages: { auditor: ChatMessage[]; combined: ChatMessage[] }, name: string): Promise<void> {
  await core.store.transaction(async (tx) => {
    await auditOf(tx, auditId);
    await addEditEvent(tx, auditId, "auditor", name, await tx.messages.append(auditId, "auditor", messages.auditor));
    await addEditEvent(tx, auditId, "combined", name, await tx.messages.append(auditId, "combined", messages.combined));
    await tx.audits.touch(auditId);
  });
}

/** Counts one auditor generation of an audit whose max_turns counts auditor turns (the runner). */
export async function countAuditorTurn(core: AuditCore, auditId: string): Promise<number> {
  return core.store.transaction(async (tx) => {
    const audit = await auditOf(tx, auditId);
    if (audit.turnLimit !== "auditor") throw new AuditError("invalid", `Audit ${auditId} counts target turns, not auditor turns.`);
    const turns = await tx.audits.addTurn(auditId);
    await tx.audits.touch(auditId);
    return turns;
  });
}

/** Records a read-only auditor action (e.g. read_file) in the auditor view. */
export async function recordAuditorCall(core: AuditCore, auditId: string, call: AuditorCall, resultText: string): Promise<void> {
  await core.store.transaction(async (tx) => {
    await auditOf(tx, auditId);
    await finishWrite(tx, auditId, call, resultText);
  });
}
