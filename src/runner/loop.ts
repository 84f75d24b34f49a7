/**
 * Petri's auditor loop for one audit. Each auditor generation is one turn (max_turns of them): the
 * auditor model sees its whole conversation and its tools; a turn without a tool call gets the
 * continue prompt; the calls of a turn run in order; the loop stops after the turn that called
 * end_conversation. Everything the auditor saw and said is recorded in the auditor and combined
 * views under Petri's span names ("Audit", "Auditor", "Tool response", "Continue Prompt"). The loop
 * starts from a new audit's prompts (`openConversation`) or from a stored conversation that another
 * worker left (src/runner/continue.ts). A stop that hands the audit over (`stop.abandon()`: its job
 * was taken over) writes nothing more: the audit stays active for the process that has it now.
 */
import { randomUUID } from "node:crypto";
import { auditorCallView } from "../audit/auditor-view.js";
import { TOOL } from "../audit/catalogue.js";
import type { AssistantMessage, ChatMessage, ToolCall, ToolMessage, UserMessage } from "../core/messages.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import type { AppContext } from "../context.js";
import { callModel } from "../models/call.js";
import { settingsForCall } from "../models/settings.js";
import { type ChatModel, type GenerateResult, ModelError } from "../models/types.js";
import type { AuditorPrompts } from "../prompts/auditor.js";
import type { AuditStatus, AuditStore } from "../store/types.js";
import type { AuditorSession } from "./session.js";
import { callSignal, type StopController } from "./stop.js";
import { type CallContext, executeAuditorCall, INTERRUPTED, toolMessageText } from "./tool-calls.js";


/** Target failures in a row that end an audit, unless --max-target-failures says otherwise. */
export const DEFAULT_MAX_TARGET_FAILURES = 3;

/** A tool result holding this is the target's reply, which the service already put in the combined view. */
const TARGET_REPLY_MARK = "</target_response>";

export interface AuditorLoopInput {
  app: AppContext;
  session: AuditorSession;
  auditId: string;
  auditor: ChatModel;
  tools: ToolDefinition[];
  /** Where the conversation starts (already recorded). */
  start: LoopStart;
  /** Text of the user message sent after a turn without tool calls. */
  continuePrompt: string;
  maxTurns: number;
  stop: StopController;
  /** Called after each auditor generation with the number of turns used. */
  onTurn?: (turns: number) => void;
}

export interface LoopOutcome {
  status: Exclude<AuditStatus, "active">;
  reason: string | null;
  /** Auditor generations. */
  turns: number;
}

/** Where the loop picks up: the auditor's system prompt, its conversation so far (recorded already) and the auditor turns used. */
export interface LoopStart {
  system: string;
  /** The auditor's messages after the system prompt, oldest first. */
  conversation: ChatMessage[];
  turns: number;
}

/** What a loop stopped by `stop.abandon()` reports: it wrote nothing more, the audit is someone else's now. */
export const HANDED_OVER = "handed over: its job was taken over by another worker (or cancelled)";

/** Records messages of the auditor's own conversation: all in the auditor view, `combined` in the combined view. The store announces each change once it commits (src/changes.ts). */
export function recordAuditor(app: AppContext, auditId: string, auditor: ChatMessage[], combined: ChatMessage[], name: string): Promise<void> {
  return app.service.appendAuditorMessages(auditId, { auditor, combined }, name);
}

export function userMessage(text: string): UserMessage {
  return { id: randomUUID(), role: "user", content: text, metadata: { source: "Auditor" } };
}

/** The auditor's reply as recorded: its own content (thinking included, signatures intact) and tool calls with Petri-style views. */
function generationMessage(result: GenerateResult, auditor: ChatModel): AssistantMessage {
  const calls = (result.message.tool_calls ?? []).map((call) => ({ ...call, view: auditorCallView(call.function, call.arguments) }));
  return {
    ...result.message,
    id: result.message.id ?? randomUUID(),
    role: "assistant",
    tool_calls: calls.length > 0 ? calls : null,
    model: result.model ?? auditor.name,
    metadata: { ...result.message.metadata, source: "Auditor" },
  };
}

/** Waits (up to `timeoutMs`, checking every `pollMs`, or until `signal` aborts) until no turn holds the audit's lease; whether none does. */
export async function leaseReleased(store: AuditStore, auditId: string, timeoutMs: number, pollMs = 20, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await store.leases.holder(auditId)) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

/** A new audit's conversation: records the auditor's system prompt and opening user message. */
export async function openConversation(app: AppContext, auditId: string, prompts: AuditorPrompts): Promise<LoopStart> {
  const system: ChatMessage = { id: randomUUID(), role: "system", content: prompts.system, metadata: { source: "Auditor" } };
  const opening = userMessage(prompts.user);
  // The combined view leaves out the long auditor system prompt, as Petri's does.
  await recordAuditor(app, auditId, [system, opening], [opening], "Audit");
  return { system: prompts.system, conversation: [opening], turns: 0 };
}

/** Runs a turn's calls in order; a fatal failure stops the turn (the calls after it do not run). */
/** Target calls that failed in a row (a target reply resets it), and the last error. */
interface FailureStreak {
  count: number;
  last: string;
  limit: number;
}

async function runCalls(calls: readonly ToolCall[], context: CallContext, streak: FailureStreak): Promise<{ results: ToolMessage[]; fatal?: string }> {
  const results: ToolMessage[] = [];
  for (const call of calls) {
    const executed = await executeAuditorCall(call, context);
    results.push(executed.message);
    if (executed.fatal) return { results, fatal: executed.fatal };
    if (executed.targetError !== undefined) {
      streak.count += 1;
      streak.last = executed.targetError;
      if (streak.count >= streak.limit) {
        return { results, fatal: `The target model failed ${streak.count} time${streak.count === 1 ? "" : "s"} in a row (--max-target-failures ${streak.limit}); last error: ${streak.last}` };
      }
    } else if (toolMessageText(executed.message).includes(TARGET_REPLY_MARK)) {
      streak.count = 0;
    }
  }
  return { results };
}

export async function runAuditorLoop(input: AuditorLoopInput): Promise<LoopOutcome> {
  const { app, auditId, stop } = input;
  let turns = input.start.turns;

  const record = async (auditor: ChatMessage[], combined: ChatMessage[], name: string) => {
    if (!stop.abandoned) await recordAuditor(app, auditId, auditor, combined, name);
  };
  const close = async (status: "ended" | "max_turns" | "failed", reason: string): Promise<LoopOutcome> => {
    if (stop.abandoned) return { status: "failed", reason: HANDED_OVER, turns };
    // After an abort, the server may still be finishing the aborted turn: wait until it lets go of the audit.
    if (stop.aborted) await leaseReleased(app.store, auditId, 10_000);
    const audit = await app.service.closeAudit(auditId, status, reason);
    return { status: audit.status === "active" ? status : audit.status, reason: audit.statusReason, turns };
  };

  const conversation: ChatMessage[] = [...input.start.conversation];
  const allowed = new Set(input.tools.map((tool) => tool.name));
  // Checked before the run started (commands/audit.ts); Petri's auditor defaults plus --auditor-config.
  const streak: FailureStreak = { count: 0, last: "", limit: app.config.maxTargetFailures ?? DEFAULT_MAX_TARGET_FAILURES };
  const settings = settingsForCall("auditor", input.auditor.name, input.auditor.capabilities, app.config.roleSettings?.auditor, "--auditor-config");

  while (turns < input.maxTurns) {
    if (stop.stopping) return close("failed", INTERRUPTED);
    let result: GenerateResult;
    const linked = callSignal(stop.signal);
    try {
      result = await callModel({
        store: app.store,
        auditId,
        role: "auditor",
        model: input.auditor,
        request: { system: input.start.system, messages: conversation, tools: input.tools, ...settings, signal: linked.signal },
      });
    } catch (error) {
      if (stop.aborted) return close("failed", INTERRUPTED);
      if (error instanceof ModelError && error.kind === "budget") return close("failed", `budget: ${error.message}`);
      return close("failed", `The auditor model (${input.auditor.name}) failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      linked.release();
    }
    turns = await app.service.countAuditorTurn(auditId);
    const generation = generationMessage(result, input.auditor);
    await record([generation], [generation], "Auditor");
    conversation.push(generation);
    input.onTurn?.(turns);

    const calls = generation.tool_calls ?? [];
    if (calls.length === 0) {
      const nudge = userMessage(input.continuePrompt);
      await record([nudge], [nudge], "Continue Prompt");
      conversation.push(nudge);
      continue;
    }

    const { results, fatal } = await runCalls(calls, { session: input.session, auditId, allowed, maxOutputBytes: app.service.maxToolOutput, signal: stop.signal }, streak);
    await record(
      results,
      results.filter((message) => !toolMessageText(message).includes(TARGET_REPLY_MARK)),
      "Tool response",
    );
    conversation.push(...results);

    if (fatal) return close("failed", fatal);
    if (calls.some((call) => call.function === TOOL.end_conversation)) return close("ended", "ended by the auditor");
    // Closed from elsewhere (another client ended it): there is nothing left to do.
    const audit = await app.service.getAudit(auditId);
    if (audit.status !== "active") return { status: audit.status, reason: audit.statusReason, turns };
  }
  return close("max_turns", `the auditor used all ${input.maxTurns} turns (max_turns)`);
}
