/**
 * Petri's auditor loop for one audit. Each auditor generation is one turn (max_turns of them): the
 * auditor model sees its whole conversation and its tools; a turn without a tool call gets the
 * continue prompt; the calls of a turn run in order; the loop stops after the turn that called
 * end_conversation. Everything the auditor saw and said is recorded in the auditor and combined
 * views under Petri's span names ("Audit", "Auditor", "Tool response", "Continue Prompt").
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
  prompts: AuditorPrompts;
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

function userMessage(text: string): UserMessage {
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

/** After an abort, the server may still be finishing the aborted turn; wait until it lets go of the audit. */
async function turnSettled(store: AuditStore, auditId: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await store.leases.holder(auditId)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
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
  let turns = 0;

  // The store announces each change once it commits (src/changes.ts).
  const record = (auditor: ChatMessage[], combined: ChatMessage[], name: string) => app.service.appendAuditorMessages(auditId, { auditor, combined }, name);
  const close = async (status: "ended" | "max_turns" | "failed", reason: string): Promise<LoopOutcome> => {
    if (stop.aborted) await turnSettled(app.store, auditId);
    const audit = await app.service.closeAudit(auditId, status, reason);
    return { status: audit.status === "active" ? status : audit.status, reason: audit.statusReason, turns };
  };

  const system: ChatMessage = { id: randomUUID(), role: "system", content: input.prompts.system, metadata: { source: "Auditor" } };
  const opening = userMessage(input.prompts.user);
  // The combined view leaves out the long auditor system prompt, as Petri's does.
  await record([system, opening], [opening], "Audit");
  const conversation: ChatMessage[] = [opening];
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
        request: { system: input.prompts.system, messages: conversation, tools: input.tools, ...settings, signal: linked.signal },
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
