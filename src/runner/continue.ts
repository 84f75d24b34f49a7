/**
 * Continuing an audit another worker left active (an audit job taken over after its worker died):
 * the built-in auditor picks the conversation up from the audit's stored auditor view, where the
 * loop records everything the auditor saw and said. The stored system prompt is used as it is
 * (never rendered again), the stored turn count goes on counting (max_turns counts every turn of
 * the audit), and the tools are those of a fresh runner-mode session on the same audit.
 *
 * The earlier worker may have died inside a turn, holding the audit's lease: the continuation first
 * waits until no turn holds it, so two processes never write the target conversation at once. A
 * turn of a process of this host that no longer exists is let go at once (turn owners are
 * `host:pid:random`); otherwise the lease runs out by itself (within its TTL, `--lease-ttl-ms`; the
 * wait lasts this process's TTL plus a margin). A lease still held after that belongs to a live
 * process, and the attempt fails without writing anything.
 *
 * A turn cut in the middle: the last generation may have tool calls without a stored result (the
 * loop records a turn's results together, after its calls ran). Whether such a call took effect is
 * not known here: it may have reached the target, whose messages are then in the target
 * conversation, or not. Each such call gets a tool result saying so (an error result, recorded in
 * the auditor and combined views like any tool result, so the exported transcript shows it), and
 * the auditor decides (it can roll the target back to a known point). A last generation without
 * tool calls gets the continue prompt the loop would have sent.
 */
import { type ChatMessage, messageText, type ToolCall } from "../core/messages.js";
import type { AppContext } from "../context.js";
import type { AuditRecord, AuditStore } from "../store/types.js";
import { ownerGone } from "../util/owner.js";
import { leaseReleased, type LoopStart, recordAuditor, userMessage } from "./loop.js";
import { toolMessage } from "./tool-calls.js";

/** The result recorded for a call of the cut turn. */
export const INTERRUPTED_CALL =
  "This call was interrupted: the worker running this audit stopped before the call's result was recorded, and another worker has taken the audit over. " +
  "The call may or may not have taken effect: if it reached the target, the target's state and any reply are in the target conversation, but not in this result. " +
  "Go on from here; rollback_conversation returns the target to a point you know.";

/** Beyond the lease's TTL, how long to wait for a dead worker's turn lease to run out. */
const LEASE_MARGIN_MS = 2_000;
const LEASE_POLL_MS = 250;

/**
 * Whether the built-in auditor can continue the audit: it is active, counts auditor turns, and its
 * auditor view starts with the stored system prompt (a worker that died before recording it left
 * nothing to continue from).
 */
export async function canContinue(store: AuditStore, audit: AuditRecord): Promise<boolean> {
  if (audit.status !== "active" || audit.turnLimit !== "auditor") return false;
  const first = (await store.messages.branch(audit.id, "auditor"))[0];
  return first?.message.role === "system";
}

/** The calls of the conversation's last generation that have no result. */
function unansweredCalls(conversation: readonly ChatMessage[]): ToolCall[] {
  const last = conversation.findLastIndex((m) => m.role === "assistant");
  const generation = conversation[last];
  if (generation?.role !== "assistant") return [];
  const answered = new Set(conversation.slice(last + 1).flatMap((m) => (m.role === "tool" ? [m.tool_call_id] : [])));
  return (generation.tool_calls ?? []).filter((call) => !answered.has(call.id));
}

/**
 * The stored conversation of `audit`, ready for the loop: waits for the earlier worker's turn to
 * let go of the audit, reads the auditor view, and records what the cut turn lacks (see above).
 * Throws, writing nothing, when the audit is still held, is no longer active, or has no stored
 * system prompt.
 */
export async function continuedConversation(app: AppContext, audit: AuditRecord, continuePrompt: string, signal: AbortSignal): Promise<LoopStart> {
  const holder = await app.store.leases.holder(audit.id);
  if (holder && ownerGone(holder.owner)) await app.store.leases.release(audit.id, holder.owner);
  const released = await leaseReleased(app.store, audit.id, app.service.leaseTtlMs + LEASE_MARGIN_MS, LEASE_POLL_MS, signal);
  if (signal.aborted) throw new Error(`stopped while waiting to continue audit ${audit.id}`);
  if (!released) throw new Error(`audit ${audit.id} is still held by another process's turn after its lease's TTL; it was not continued`);
  const current = await app.service.getAudit(audit.id);
  if (current.status !== "active") throw new Error(`audit ${audit.id} is ${current.status} now: there is nothing to continue`);
  const [system, ...conversation] = (await app.store.messages.branch(audit.id, "auditor")).map((m) => m.message);
  if (system?.role !== "system") throw new Error(`audit ${audit.id} has no stored auditor system prompt to continue from`);

  const added: ChatMessage[] = unansweredCalls(conversation).map((call) => toolMessage(call, "", { type: "unknown", message: INTERRUPTED_CALL }));
  if (added.length > 0) await recordAuditor(app, audit.id, added, added, "Tool response");
  else if (conversation.at(-1)?.role === "assistant") {
    added.push(userMessage(continuePrompt));
    await recordAuditor(app, audit.id, added, added, "Continue Prompt");
  }
  return { system: messageText(system), conversation: [...conversation, ...added], turns: current.turnsUsed };
}
