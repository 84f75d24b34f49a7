/**
 * Runs one of the auditor's tool calls through the MCP session and turns the result into the tool
 * message the auditor reads next (Inspect's shape: an error result carries `error`, not content).
 */
import { randomUUID } from "node:crypto";
import { capOutput } from "../audit/format.js";
import type { ToolCall, ToolCallError, ToolMessage } from "../core/messages.js";
import type { AuditorSession } from "./session.js";

export interface ExecutedCall {
  message: ToolMessage;
  /** Why the audit cannot go on (the run was aborted, the session broke); absent otherwise. */
  fatal?: string;
  /** The target model call failed (after the provider's retries); the auditor got the error and may retry. */
  targetError?: string;
}

export const INTERRUPTED = "interrupted";

export interface CallContext {
  session: AuditorSession;
  auditId: string;
  /** The tools the auditor was given; anything else is refused without reaching the server. */
  allowed: ReadonlySet<string>;
  maxOutputBytes: number;
  signal: AbortSignal;
}

/** The tool message answering `call`: its content, or (an error result) only `error`. */
export function toolMessage(call: ToolCall, content: string, error?: ToolCallError): ToolMessage {
  return {
    id: randomUUID(),
    role: "tool",
    tool_call_id: call.id,
    function: call.function,
    content: error ? "" : content,
    error: error ?? null,
    metadata: { source: "Auditor" },
  };
}

/** The text a tool message shows the auditor. */
export function toolMessageText(message: ToolMessage): string {
  if (message.error) return message.error.message;
  return typeof message.content === "string" ? message.content : message.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
}

export async function executeAuditorCall(call: ToolCall, context: CallContext): Promise<ExecutedCall> {
  if (call.parse_error) {
    return { message: toolMessage(call, "", { type: "parsing", message: `${call.parse_error} Call ${call.function} again with a JSON object of arguments.` }) };
  }
  if (!context.allowed.has(call.function)) {
    const known = [...context.allowed].join(", ");
    return { message: toolMessage(call, "", { type: "unknown", message: `There is no tool named '${call.function}'. Your tools are: ${known}.` }) };
  }
  let outcome;
  try {
    outcome = await context.session.call(call.function, { ...call.arguments, audit_id: context.auditId }, context.signal);
  } catch (error) {
    if (context.signal.aborted) {
      return { message: toolMessage(call, "", { type: "unknown", message: "The call was interrupted: the run was stopped." }), fatal: INTERRUPTED };
    }
    const reason = `The ${call.function} call could not complete: ${error instanceof Error ? error.message : String(error)}`;
    return { message: toolMessage(call, "", { type: "unknown", message: reason }), fatal: reason };
  }
  const text = capOutput(outcome.text, context.maxOutputBytes);
  if (!outcome.isError) return { message: toolMessage(call, text) };
  const message = toolMessage(call, "", { type: "unknown", message: text });
  if (context.signal.aborted) return { message, fatal: INTERRUPTED };
  // The target model failed after the provider's own retries: as in Petri, the auditor reads the error and may retry
  // (the loop ends the audit only after several failures in a row).
  if (outcome.errorCode === "model") return { message, targetError: text };
  return { message };
}
