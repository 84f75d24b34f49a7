/**
 * `google/<model>`: Gemini through @google/genai (`models.generateContent`).
 *
 * The system text is `systemInstruction`; tool results are `functionResponse` parts in a user turn
 * (`{output}` or `{error}`); a reply's thought parts become reasoning parts. Gemini signs its
 * thinking with `thoughtSignature`s carried on the part that follows the thoughts (a function call
 * or text): each becomes the signature of the reasoning part before it (a reasoning part with no
 * text, shown as <thinking_redacted/>, when no thought text came with it) and goes back on the same
 * kind of part next turn, so the model gets its thinking back as Gemini requires for tool use.
 */
import { randomUUID } from "node:crypto";
import { ApiError, type Content as GeminiContent, type GenerateContentConfig, type GenerateContentResponse, GoogleGenAI, type Part, ThinkingLevel } from "@google/genai";
import type { AssistantMessage, ChatMessage, Content, ToolCall } from "../core/messages.js";
import { messageText } from "../core/messages.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import { modelCapabilities } from "./capabilities.js";
import { modelFetch } from "./http-client.js";
import { type ErrorContext, httpModelError, toModelError } from "./errors.js";
import { type ChatModel, type GenerateRequest, type GenerateResult, type ModelCapabilities, ModelError, type StopReason, type Usage } from "./types.js";

export interface GeminiModelOptions {
  timeoutMs: number;
  maxRetries: number;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";

const LEVELS = { minimal: ThinkingLevel.MINIMAL, low: ThinkingLevel.LOW, medium: ThinkingLevel.MEDIUM, high: ThinkingLevel.HIGH } as const;

/** Assistant content as Gemini parts: thoughts, then text, then calls; each signature on the part after its reasoning. */
function modelParts(message: Extract<ChatMessage, { role: "assistant" }>): Part[] {
  const parts: Part[] = [];
  let pending: string | undefined;
  const push = (part: Part) => {
    if (pending !== undefined && !part.thought) {
      part.thoughtSignature = pending;
      pending = undefined;
    }
    parts.push(part);
  };
  const content: Content[] = typeof message.content === "string" ? (message.content === "" ? [] : [{ type: "text", text: message.content }]) : message.content;
  for (const item of content) {
    if (item.type === "reasoning") {
      // Another provider's reasoning (no signature) cannot be verified by Gemini: left out, as on Anthropic.
      if (!item.signature) continue;
      if (!item.redacted && item.reasoning !== "") parts.push({ text: item.reasoning, thought: true });
      pending = item.signature;
    } else if (item.text !== "") {
      push({ text: item.text });
    }
  }
  for (const call of message.tool_calls ?? []) push({ functionCall: { id: call.id, name: call.function, args: call.arguments } });
  // A signature with nothing after it (thinking only) rides on an empty thought part.
  if (pending !== undefined) parts.push({ text: "", thought: true, thoughtSignature: pending });
  return parts;
}

function toolResponsePart(message: Extract<ChatMessage, { role: "tool" }>): Part {
  const response = message.error ? { error: message.error.message } : { output: messageText(message) };
  return { functionResponse: { id: message.tool_call_id, name: message.function, response } };
}

/** Our messages as Gemini `contents` (system messages go to systemInstruction); same-role turns merged. */
export function toGeminiContents(messages: readonly ChatMessage[]): GeminiContent[] {
  const contents: GeminiContent[] = [];
  for (const message of messages) {
    let role: "user" | "model";
    let parts: Part[];
    if (message.role === "system") continue;
    if (message.role === "assistant") {
      role = "model";
      parts = modelParts(message);
    } else if (message.role === "tool") {
      role = "user";
      parts = [toolResponsePart(message)];
    } else {
      role = "user";
      const text = messageText(message);
      parts = text === "" ? [] : [{ text }];
    }
    if (parts.length === 0) continue;
    const previous = contents[contents.length - 1];
    if (previous?.role === role) previous.parts!.push(...parts);
    else contents.push({ role, parts });
  }
  return contents;
}

function systemText(request: GenerateRequest): string | undefined {
  const inline = request.messages.filter((m) => m.role === "system").map((m) => messageText(m));
  const parts = [request.system, ...inline].filter((s): s is string => s !== undefined && s !== "");
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}

function toolConfig(choice: GenerateRequest["toolChoice"]): GenerateContentConfig["toolConfig"] {
  if (choice === undefined || choice === "auto") return undefined;
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" as never } };
  if (choice === "any") return { functionCallingConfig: { mode: "ANY" as never } };
  return { functionCallingConfig: { mode: "ANY" as never, allowedFunctionNames: [choice.name] } };
}

/** The `generateContent` parameters for a request. */
export function geminiRequest(fullName: string, model: string, capabilities: ModelCapabilities, request: GenerateRequest) {
  const contents = toGeminiContents(request.messages);
  if (contents[contents.length - 1]?.role === "model") throw new ModelError("prefill_unsupported", `prefill is not supported by ${fullName}`);
  const config: GenerateContentConfig = {};
  const system = systemText(request);
  if (system !== undefined) config.systemInstruction = system;
  if (request.tools && request.tools.length > 0) {
    config.tools = [{ functionDeclarations: request.tools.map((t: ToolDefinition) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }];
    const choice = toolConfig(request.toolChoice);
    if (choice) config.toolConfig = choice;
  }
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stopSequences && request.stopSequences.length > 0) config.stopSequences = request.stopSequences;
  const reasoning = request.reasoning;
  if (capabilities.thinking && reasoning && (reasoning.budgetTokens !== undefined || reasoning.effort !== undefined)) {
    // A budget is exact; an effort alone becomes a thinking level. Thoughts are returned unless summary is "none".
    config.thinkingConfig = {
      includeThoughts: reasoning.summary !== "none",
      ...(reasoning.budgetTokens !== undefined ? { thinkingBudget: reasoning.budgetTokens } : { thinkingLevel: LEVELS[reasoning.effort!] }),
    };
  }
  return { model, contents, config };
}

const STOP_REASONS: Record<string, StopReason> = {
  STOP: "stop",
  MAX_TOKENS: "max_tokens",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
};

export function geminiUsage(metadata: GenerateContentResponse["usageMetadata"]): Usage {
  if (!metadata) return { inputTokens: 0, outputTokens: 0 };
  const thoughts = metadata.thoughtsTokenCount ?? 0;
  // Gemini counts thinking apart from the candidates; ours is inside the output, as on the other providers.
  const usage: Usage = { inputTokens: metadata.promptTokenCount ?? 0, outputTokens: (metadata.candidatesTokenCount ?? 0) + thoughts };
  if (metadata.cachedContentTokenCount !== undefined) usage.cacheReadTokens = metadata.cachedContentTokenCount;
  if (metadata.thoughtsTokenCount !== undefined) usage.reasoningTokens = thoughts;
  return usage;
}

/** A Gemini reply as our result. Calls without an id get one (the Gemini API may omit it). */
export function fromGeminiResponse(response: GenerateContentResponse, fullName: string): GenerateResult {
  const candidate = response.candidates?.[0];
  if (!candidate) {
    const blocked = response.promptFeedback?.blockReason;
    if (blocked) return { message: { role: "assistant", content: "", tool_calls: null }, stopReason: "content_filter", usage: geminiUsage(response.usageMetadata), model: response.modelVersion };
    throw new ModelError("unknown", `${fullName} returned no candidates; retry the call.`);
  }
  const parts: Content[] = [];
  const calls: ToolCall[] = [];
  const sign = (signature: string) => {
    const last = parts[parts.length - 1];
    if (last?.type === "reasoning" && !last.signature) last.signature = signature;
    else parts.push({ type: "reasoning", reasoning: "", signature, redacted: true });
  };
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought) {
      if (part.text) parts.push({ type: "reasoning", reasoning: part.text, signature: null, redacted: false });
      if (part.thoughtSignature) sign(part.thoughtSignature);
      continue;
    }
    if (part.thoughtSignature) sign(part.thoughtSignature);
    if (part.functionCall) {
      const args = part.functionCall.args;
      calls.push({ id: part.functionCall.id || `call_${randomUUID().slice(0, 12)}`, function: part.functionCall.name ?? "", arguments: (args ?? {}) as Record<string, unknown>, type: "function" });
    } else if (typeof part.text === "string" && part.text !== "") {
      parts.push({ type: "text", text: part.text });
    }
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  const content: AssistantMessage["content"] = parts.length === 0 ? "" : only?.type === "text" ? only.text : parts;
  const finish = candidate.finishReason ?? "";
  return {
    message: { role: "assistant", content, tool_calls: calls.length > 0 ? calls : null, model: response.modelVersion ?? null },
    stopReason: calls.length > 0 ? "tool_calls" : (STOP_REASONS[finish] ?? "unknown"),
    usage: geminiUsage(response.usageMetadata),
    model: response.modelVersion,
  };
}

/** Gemini's error body `{"error": {code, message, status}}` arrives as the ApiError's message. */
function apiFailure(error: ApiError) {
  let reason: string | null = error.message;
  let type: string | null = null;
  try {
    const body = JSON.parse(error.message) as { error?: { message?: string; status?: string } };
    reason = body.error?.message ?? reason;
    type = body.error?.status ?? null;
  } catch {
    // Not JSON: keep the message as the reason.
  }
  return { status: error.status, reason, type, retryAfter: null };
}

export class GeminiModel implements ChatModel {
  readonly capabilities: ModelCapabilities;
  private readonly env: NodeJS.ProcessEnv;
  private client: { key: string; sdk: GoogleGenAI } | null = null;

  constructor(
    readonly name: string,
    private readonly model: string,
    private readonly options: GeminiModelOptions,
  ) {
    this.env = options.env ?? process.env;
    this.capabilities = modelCapabilities({ provider: "google", model }, this.env);
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const params = geminiRequest(this.name, this.model, this.capabilities, request);
    const apiKey = this.env.GOOGLE_API_KEY || this.env.GEMINI_API_KEY;
    if (!apiKey) throw new ModelError("auth", `No API key for ${this.name}: set GOOGLE_API_KEY (or GEMINI_API_KEY) in the server's environment.`);
    const baseUrl = this.env.GOOGLE_GEMINI_BASE_URL || DEFAULT_GEMINI_BASE_URL;
    const context: ErrorContext = {
      model: this.name,
      provider: "Google",
      keyVariable: this.env.GOOGLE_API_KEY ? "GOOGLE_API_KEY" : "GEMINI_API_KEY",
      baseUrlVariable: "GOOGLE_GEMINI_BASE_URL",
      baseURL: baseUrl,
      timeoutMs: this.options.timeoutMs,
      maxRetries: this.options.maxRetries,
      secrets: [apiKey],
    };
    try {
      const response = await this.sdk(apiKey, baseUrl).models.generateContent({ ...params, config: { ...params.config, abortSignal: request.signal } });
      return fromGeminiResponse(response, this.name);
    } catch (error) {
      if (error instanceof ApiError) throw httpModelError(apiFailure(error), context);
      throw toModelError(error, context);
    }
  }

  private sdk(apiKey: string, baseUrl: string): GoogleGenAI {
    const key = `${baseUrl}\n${apiKey}`;
    if (this.client?.key !== key) {
      const sdk = new GoogleGenAI({
        vertexai: false,
        apiKey,
        // The same keep-alive transport as the other SDKs (src/models/http-client.ts), not undici's fetch.
        httpOptions: { baseUrl, timeout: this.options.timeoutMs, retryOptions: { attempts: this.options.maxRetries + 1 }, fetch: modelFetch },
      });
      this.client = { key, sdk };
    }
    return this.client.sdk;
  }
}
