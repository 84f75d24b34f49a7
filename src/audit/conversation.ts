/**
 * Petri's rules for the target conversation, as pure functions over a branch (the list of
 * messages from the root to the current head).
 */
import type { AssistantMessage, ChatMessage, Content, ToolCall } from "../core/messages.js";
import { isPrefill, messageText } from "../core/messages.js";

export interface PendingCalls {
  /** Index in the branch of the assistant turn whose calls are considered. */
  assistantIndex: number;
  calls: ToolCall[];
  /** Ids of that turn's calls that have no result yet, in call order. */
  pending: string[];
  answered: Set<string>;
}

/** The latest assistant message of the branch, if any. */
export function latestAssistant(branch: readonly ChatMessage[]): { index: number; message: AssistantMessage } | null {
  for (let i = branch.length - 1; i >= 0; i--) {
    const message = branch[i]!;
    if (message.role === "assistant") return { index: i, message };
  }
  return null;
}

/**
 * The tool calls of the latest assistant turn and which of them still lack a result. Only the
 * latest assistant turn counts: providers reuse call ids across turns.
 */
export function pendingToolCalls(branch: readonly ChatMessage[]): PendingCalls | null {
  const latest = latestAssistant(branch);
  if (!latest || !latest.message.tool_calls || latest.message.tool_calls.length === 0) return null;
  const answered = new Set<string>();
  for (const message of branch.slice(latest.index + 1)) {
    if (message.role === "tool") answered.add(message.tool_call_id);
  }
  const calls = latest.message.tool_calls;
  return { assistantIndex: latest.index, calls, pending: calls.map((c) => c.id).filter((id) => !answered.has(id)), answered };
}

function contentParts(content: string | Content[]): Content[] {
  return typeof content === "string" ? (content === "" ? [] : [{ type: "text", text: content }]) : content;
}

/**
 * Merges two consecutive assistant messages into one, as they must be sent on the wire. A prefill
 * and the continuation that followed it are joined with no separator: together they are the text
 * the model produced.
 */
export function mergeAssistant(first: AssistantMessage, second: AssistantMessage): AssistantMessage {
  let content: string | Content[];
  if (typeof first.content === "string" && typeof second.content === "string") {
    const separator = isPrefill(first) || first.content === "" || second.content === "" ? "" : "\n";
    content = first.content + separator + second.content;
  } else {
    content = [...contentParts(first.content), ...contentParts(second.content)];
  }
  const toolCalls = [...(first.tool_calls ?? []), ...(second.tool_calls ?? [])];
  return {
    ...first,
    ...second,
    content,
    tool_calls: toolCalls.length > 0 ? toolCalls : null,
    metadata: { ...first.metadata, ...second.metadata, prefill: isPrefill(second) || undefined },
  };
}

export interface WireConversation {
  system?: string;
  messages: ChatMessage[];
  /** True when the conversation ends with a prefill the reply must continue. */
  endsWithPrefill: boolean;
}

/** The conversation as sent to the target: system text apart, consecutive assistant turns merged. */
export function toWire(branch: readonly ChatMessage[]): WireConversation {
  const systemTexts: string[] = [];
  const messages: ChatMessage[] = [];
  for (const message of branch) {
    if (message.role === "system") {
      systemTexts.push(messageText(message));
      continue;
    }
    const previous = messages[messages.length - 1];
    if (message.role === "assistant" && previous?.role === "assistant") {
      messages[messages.length - 1] = mergeAssistant(previous, message);
    } else {
      messages.push(message);
    }
  }
  const last = branch[branch.length - 1];
  return {
    system: systemTexts.length > 0 ? systemTexts.join("\n\n") : undefined,
    messages,
    endsWithPrefill: last !== undefined && isPrefill(last),
  };
}

/** Why an index cannot be rolled back to, or null when it can. */
export function rollbackProblem(branch: readonly ChatMessage[], index: number): string | null {
  if (!Number.isInteger(index) || index < 0) {
    return `Invalid index ${index}: it must be a non-negative integer (0 keeps only the first message, usually the system message).`;
  }
  if (branch.length === 0) return "The target conversation is empty: there is nothing to roll back. Start with set_target_system_message or send_message.";
  if (index >= branch.length) {
    return `Index ${index} is out of range: the current target conversation has ${branch.length} messages (valid indices 0-${branch.length - 1}).`;
  }
  const message = branch[index]!;
  if (message.role === "tool") {
    const text = messageText(message) || message.error?.message || "";
    return `Message ${index} is a tool result and cannot be rolled back to; pick the assistant message that made the call (or an earlier one). Its content: ${text.slice(0, 1000)}`;
  }
  return null;
}
