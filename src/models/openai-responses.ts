/**
 * OpenAI reasoning models (`openai/o3`, `openai/gpt-5`, ...) through the Responses API, so their
 * reasoning summaries and encrypted reasoning reach the audit. Stateless: `store: false`, the whole
 * history every call, and `include: ["reasoning.encrypted_content"]` so each reasoning item can be
 * sent back exactly as received (its id and encrypted content are kept as the reasoning part's
 * signature; its summary is the part's summary, shown to the auditor as <thinking_summary>).
 */
import type OpenAI from "openai";
import type { AssistantMessage, ChatMessage, Content, ToolCall } from "../core/messages.js";
import { messageText } from "../core/messages.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import { parseToolArguments } from "./tool-args.js";
import { type GenerateRequest, type GenerateResult, type ModelCapabilities, ModelError, type StopReason, type Usage } from "./types.js";

type InputItem = OpenAI.Responses.ResponseInputItem;
export type ResponsesBody = OpenAI.Responses.ResponseCreateParamsNonStreaming;

/** `{id, encrypted_content}` of a reasoning item, kept as the part's signature. */
interface ReasoningRef {
  id: string;
  encrypted_content: string | null;
}

function reasoningRef(signature: string | null | undefined): ReasoningRef | null {
  if (!signature) return null;
  try {
    const value = JSON.parse(signature) as Partial<ReasoningRef>;
    return typeof value.id === "string" ? { id: value.id, encrypted_content: value.encrypted_content ?? null } : null;
  } catch {
    return null;
  }
}

function assistantItems(message: Extract<ChatMessage, { role: "assistant" }>): InputItem[] {
  const items: InputItem[] = [];
  const content: Content[] = typeof message.content === "string" ? (message.content === "" ? [] : [{ type: "text", text: message.content }]) : message.content;
  for (const part of content) {
    if (part.type === "reasoning") {
      // Only our own reasoning items can go back (another provider's reasoning has no item id).
      const ref = reasoningRef(part.signature);
      if (!ref) continue;
      const summary = part.summary ?? (part.redacted ? "" : part.reasoning);
      items.push({
        type: "reasoning",
        id: ref.id,
        summary: summary ? [{ type: "summary_text", text: summary }] : [],
        ...(ref.encrypted_content ? { encrypted_content: ref.encrypted_content } : {}),
      });
    } else if (part.text !== "") {
      items.push({ role: "assistant", content: part.text });
    }
  }
  for (const call of message.tool_calls ?? []) {
    items.push({ type: "function_call", call_id: call.id, name: call.function, arguments: JSON.stringify(call.arguments) });
  }
  return items;
}

/** Our messages as Responses input items (system messages go to `instructions`). */
export function toResponsesInput(messages: readonly ChatMessage[]): InputItem[] {
  const items: InputItem[] = [];
  for (const message of messages) {
    if (message.role === "system") continue;
    if (message.role === "user") items.push({ role: "user", content: messageText(message) });
    else if (message.role === "assistant") items.push(...assistantItems(message));
    else items.push({ type: "function_call_output", call_id: message.tool_call_id, output: message.error ? `Error: ${message.error.message}` : messageText(message) });
  }
  return items;
}

function toolChoice(choice: GenerateRequest["toolChoice"]): ResponsesBody["tool_choice"] {
  if (choice === undefined) return undefined;
  if (typeof choice === "object") return { type: "function", name: choice.name };
  return choice === "any" ? "required" : choice;
}

export function responsesRequestBody(fullName: string, model: string, capabilities: ModelCapabilities, request: GenerateRequest): ResponsesBody {
  const input = toResponsesInput(request.messages);
  const last = request.messages[request.messages.length - 1];
  if (last?.role === "assistant" && !capabilities.prefill) throw new ModelError("prefill_unsupported", `prefill is not supported by ${fullName}`);
  const system = [request.system, ...request.messages.filter((m) => m.role === "system").map((m) => messageText(m))].filter((s) => s !== undefined && s !== "");
  const body: ResponsesBody = { model, input, store: false, include: ["reasoning.encrypted_content"] };
  if (system.length > 0) body.instructions = system.join("\n\n");
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t: ToolDefinition) => ({ type: "function", name: t.name, description: t.description, parameters: t.parameters as unknown as Record<string, unknown>, strict: false }));
    const choice = toolChoice(request.toolChoice);
    if (choice) body.tool_choice = choice;
  }
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  const r = request.reasoning;
  // Petri asks for reasoning summaries by default ("auto"); "none" turns them off.
  const summary = r?.summary === "none" ? undefined : (r?.summary ?? "auto");
  const effort = r?.effort ?? (r?.budgetTokens === undefined ? undefined : r.budgetTokens <= 2048 ? "low" : r.budgetTokens <= 8192 ? "medium" : "high");
  body.reasoning = { ...(effort ? { effort } : {}), ...(summary ? { summary } : {}) };
  return body;
}

export function responsesUsage(usage: OpenAI.Responses.ResponseUsage | undefined): Usage {
  if (!usage) return { inputTokens: 0, outputTokens: 0 };
  const result: Usage = { inputTokens: usage.input_tokens ?? 0, outputTokens: usage.output_tokens ?? 0 };
  const cached = usage.input_tokens_details?.cached_tokens;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (typeof cached === "number") result.cacheReadTokens = cached;
  if (typeof reasoning === "number") result.reasoningTokens = reasoning;
  return result;
}

function stopReason(response: OpenAI.Responses.Response, calls: number): StopReason {
  if (calls > 0) return "tool_calls";
  if (response.status === "completed") return "stop";
  const reason = response.incomplete_details?.reason;
  return reason === "max_output_tokens" ? "max_tokens" : reason === "content_filter" ? "content_filter" : "unknown";
}

export function fromResponse(response: OpenAI.Responses.Response): GenerateResult {
  const parts: Content[] = [];
  const calls: ToolCall[] = [];
  for (const item of response.output ?? []) {
    if (item.type === "reasoning") {
      const summary = (item.summary ?? []).map((s) => s.text).join("\n\n");
      const signature = JSON.stringify({ id: item.id, encrypted_content: item.encrypted_content ?? null });
      parts.push({ type: "reasoning", reasoning: "", summary: summary === "" ? null : summary, signature, redacted: true });
    } else if (item.type === "message") {
      for (const c of item.content) {
        if (c.type === "output_text" && c.text !== "") parts.push({ type: "text", text: c.text });
        else if (c.type === "refusal") parts.push({ type: "text", text: c.refusal, refusal: true });
      }
    } else if (item.type === "function_call") {
      calls.push({ id: item.call_id, function: item.name, type: "function", ...parseToolArguments(item.arguments ?? "") });
    }
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  const content: AssistantMessage["content"] = parts.length === 0 ? "" : only?.type === "text" && !only.refusal ? only.text : parts;
  return {
    message: { role: "assistant", content, tool_calls: calls.length > 0 ? calls : null, model: response.model },
    stopReason: stopReason(response, calls.length),
    usage: responsesUsage(response.usage),
    model: response.model,
  };
}
