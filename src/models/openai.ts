/**
 * `openai/<model>` and `openai-api/<name>/<model>`: Chat Completions through the `openai` SDK.
 *
 * Tool results are `tool` role messages (OpenAI has no error flag, so a failed result says so in
 * its text); tool call arguments travel as JSON strings and are parsed defensively on the way back;
 * `reasoning` / `reasoning_content` of compatible servers become a reasoning part. OpenAI's own API
 * has no prefill; a compatible server takes one the way `<NAME>_PREFILL` says.
 */
import OpenAI from "openai";
import type { AssistantMessage, ChatMessage, Content, ToolCall } from "../core/messages.js";
import { messageText } from "../core/messages.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import { modelCapabilities, openaiReasoningModel, type PrefillStrategy, prefillStrategy, serviceEnvPrefix } from "./capabilities.js";
import { type ErrorContext, toModelError } from "./errors.js";
import { fromResponse, responsesRequestBody } from "./openai-responses.js";
import { modelFetch } from "./http-client.js";
import { parseToolArguments } from "./tool-args.js";
import type { ParsedModelName } from "./registry.js";
import { type ChatModel, type GenerateRequest, type GenerateResult, type ModelCapabilities, ModelError, type ReasoningSettings, type StopReason, type Usage } from "./types.js";

export interface OpenAIModelOptions {
  timeoutMs: number;
  maxRetries: number;
  env?: NodeJS.ProcessEnv;
  logger?: OpenAI["logger"];
}

export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
export const DEFAULT_OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1";

type WireMessage = OpenAI.Chat.ChatCompletionMessageParam;
/** The request body plus the fields compatible servers understand beyond OpenAI's. */
export type OpenAIRequestBody = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming & {
  continue_final_message?: boolean;
  add_generation_prompt?: boolean;
  /** OpenRouter's unified reasoning setting. */
  reasoning?: { effort?: string; max_tokens?: number; exclude?: boolean };
};

/** How a model's endpoint differs: OpenAI itself, or a compatible server and its prefill strategy. */
export interface OpenAIEndpoint {
  kind: "openai" | "compatible" | "openrouter";
  prefill: PrefillStrategy;
}

function toolCallParam(call: ToolCall): OpenAI.Chat.ChatCompletionMessageFunctionToolCall {
  return { id: call.id, type: "function", function: { name: call.function, arguments: JSON.stringify(call.arguments) } };
}

function toWireMessage(message: ChatMessage): WireMessage {
  switch (message.role) {
    case "system":
      return { role: "system", content: messageText(message) };
    case "user":
      return { role: "user", content: messageText(message) };
    case "assistant": {
      const text = messageText(message);
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) return { role: "assistant", content: text };
      return { role: "assistant", content: text === "" ? null : text, tool_calls: calls.map(toolCallParam) };
    }
    case "tool":
      // No is_error on this API: the text itself says the call failed.
      return { role: "tool", tool_call_id: message.tool_call_id, content: message.error ? `Error: ${message.error.message}` : messageText(message) };
  }
}

/** Our messages as Chat Completions messages, the system text first. */
export function toOpenAIMessages(system: string | undefined, messages: readonly ChatMessage[]): WireMessage[] {
  const wire: WireMessage[] = [];
  if (system !== undefined && system !== "") wire.push({ role: "system", content: system });
  for (const message of messages) wire.push(toWireMessage(message));
  return wire;
}

export function toOpenAITool(tool: ToolDefinition): OpenAI.Chat.ChatCompletionFunctionTool {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters as unknown as OpenAI.FunctionParameters } };
}

function toolChoice(choice: GenerateRequest["toolChoice"]): OpenAI.Chat.ChatCompletionToolChoiceOption | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === "object") return { type: "function", function: { name: choice.name } };
  return choice === "any" ? "required" : choice;
}

/** OpenAI takes an effort, not a budget: a budget maps to the nearest effort. */
export function reasoningEffort(reasoning: ReasoningSettings | undefined): ReasoningSettings["effort"] {
  if (!reasoning) return undefined;
  if (reasoning.effort) return reasoning.effort;
  if (reasoning.budgetTokens === undefined) return undefined;
  return reasoning.budgetTokens <= 2048 ? "low" : reasoning.budgetTokens <= 8192 ? "medium" : "high";
}

export function openaiRequestBody(fullName: string, model: string, endpoint: OpenAIEndpoint, capabilities: ModelCapabilities, request: GenerateRequest): OpenAIRequestBody {
  const messages = toOpenAIMessages(request.system, request.messages);
  const prefill = messages[messages.length - 1]?.role === "assistant";
  if (prefill && !capabilities.prefill) throw new ModelError("prefill_unsupported", `prefill is not supported by ${fullName}`);
  const body: OpenAIRequestBody = { model, messages };
  if (request.maxTokens !== undefined) {
    // OpenAI's reasoning models only take max_completion_tokens; compatible servers widely know only max_tokens.
    if (endpoint.kind === "openai") body.max_completion_tokens = request.maxTokens;
    else body.max_tokens = request.maxTokens;
  }
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(toOpenAITool);
    const choice = toolChoice(request.toolChoice);
    if (choice) body.tool_choice = choice;
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stopSequences && request.stopSequences.length > 0) body.stop = request.stopSequences;
  if (endpoint.kind === "openrouter") {
    // OpenRouter takes one `reasoning` object: a token budget or an effort, and whether to return the text.
    const r = request.reasoning;
    if (r && (r.budgetTokens !== undefined || r.effort !== undefined)) {
      body.reasoning = r.budgetTokens !== undefined ? { max_tokens: r.budgetTokens } : { effort: r.effort === "minimal" ? "low" : r.effort };
      if (r.summary === "none") body.reasoning.exclude = true;
    }
  } else {
    const effort = reasoningEffort(request.reasoning);
    if (effort) body.reasoning_effort = effort;
  }
  if (prefill && endpoint.prefill === "vllm") {
    body.continue_final_message = true;
    body.add_generation_prompt = false;
  }
  return body;
}

const FINISH_REASONS: Record<string, StopReason> = {
  stop: "stop",
  length: "max_tokens",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
};

type UsageWithCacheWrites = OpenAI.CompletionUsage & { prompt_tokens_details?: { cache_write_tokens?: number } };

export function openaiUsage(usage: UsageWithCacheWrites | undefined): Usage {
  if (!usage) return { inputTokens: 0, outputTokens: 0 };
  // prompt_tokens already includes cached tokens.
  const result: Usage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof cached === "number") result.cacheReadTokens = cached;
  if (typeof written === "number") result.cacheWriteTokens = written;
  if (typeof reasoning === "number") result.reasoningTokens = reasoning;
  return result;
}

type ReplyMessage = OpenAI.Chat.ChatCompletionMessage & { reasoning?: string | null; reasoning_content?: string | null };

export function fromOpenAICompletion(completion: OpenAI.Chat.ChatCompletion, fullName: string): GenerateResult {
  const choice = completion.choices?.[0];
  if (!choice) throw new ModelError("unknown", `${fullName} returned no choices; retry the call.`);
  const reply = choice.message as ReplyMessage;
  const parts: Content[] = [];
  const reasoning = reply.reasoning ?? reply.reasoning_content;
  if (typeof reasoning === "string" && reasoning !== "") parts.push({ type: "reasoning", reasoning, signature: null, redacted: false });
  if (typeof reply.content === "string" && reply.content !== "") parts.push({ type: "text", text: reply.content });
  if (typeof reply.refusal === "string" && reply.refusal !== "") parts.push({ type: "text", text: reply.refusal, refusal: true });
  const toolCalls: ToolCall[] = (reply.tool_calls ?? [])
    .filter((call): call is OpenAI.Chat.ChatCompletionMessageFunctionToolCall => call.type === "function")
    .map((call) => ({ id: call.id, function: call.function.name, type: "function", ...parseToolArguments(call.function.arguments ?? "") }));
  const only = parts.length === 1 ? parts[0] : undefined;
  const content: AssistantMessage["content"] = parts.length === 0 ? "" : only?.type === "text" && !only.refusal ? only.text : parts;
  return {
    message: { role: "assistant", content, tool_calls: toolCalls.length > 0 ? toolCalls : null, model: completion.model },
    stopReason: FINISH_REASONS[choice.finish_reason ?? ""] ?? "unknown",
    usage: openaiUsage(completion.usage),
    model: completion.model,
  };
}

interface Credentials {
  baseURL: string;
  apiKey: string;
  keyVariable: string;
  baseUrlVariable: string;
  provider: string;
}

export class OpenAIChatModel implements ChatModel {
  readonly capabilities: ModelCapabilities;
  private readonly env: NodeJS.ProcessEnv;
  private readonly endpoint: OpenAIEndpoint;
  private client: { key: string; sdk: OpenAI } | null = null;

  constructor(
    readonly name: string,
    private readonly parsed: ParsedModelName,
    private readonly options: OpenAIModelOptions,
  ) {
    if (parsed.provider !== "openai" && parsed.provider !== "openai-api" && parsed.provider !== "openrouter") throw new Error(`OpenAIChatModel cannot serve ${name}`);
    this.env = options.env ?? process.env;
    this.endpoint =
      parsed.provider === "openai"
        ? { kind: "openai", prefill: "none" }
        : parsed.provider === "openrouter"
          ? { kind: "openrouter", prefill: "trailing-assistant" }
          : { kind: "compatible", prefill: prefillStrategy(parsed.service ?? "", this.env) };
    this.capabilities = modelCapabilities(parsed, this.env);
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const body = openaiRequestBody(this.name, this.parsed.model, this.endpoint, this.capabilities, request);
    const credentials = this.credentials();
    const context: ErrorContext = {
      model: this.name,
      provider: credentials.provider,
      keyVariable: credentials.keyVariable,
      baseUrlVariable: credentials.baseUrlVariable,
      baseURL: credentials.baseURL,
      timeoutMs: this.options.timeoutMs,
      maxRetries: this.options.maxRetries,
      secrets: [credentials.apiKey],
    };
    try {
      if (this.parsed.provider === "openai" && openaiReasoningModel(this.parsed.model)) {
        // Reasoning models go through the Responses API, the only one that returns their reasoning.
        const response = await this.sdk(credentials).responses.create(responsesRequestBody(this.name, this.parsed.model, this.capabilities, request), { signal: request.signal });
        return fromResponse(response);
      }
      const completion = await this.sdk(credentials).chat.completions.create(body, { signal: request.signal });
      return fromOpenAICompletion(completion, this.name);
    } catch (error) {
      throw toModelError(error, context);
    }
  }

  /** Read at call time, so the server starts without keys. */
  private credentials(): Credentials {
    if (this.parsed.provider === "openai") {
      const apiKey = this.env.OPENAI_API_KEY;
      if (!apiKey) throw new ModelError("auth", `No API key for ${this.name}: set OPENAI_API_KEY in the server's environment.`);
      return { baseURL: this.env.OPENAI_BASE_URL || DEFAULT_OPENAI_BASE_URL, apiKey, keyVariable: "OPENAI_API_KEY", baseUrlVariable: "OPENAI_BASE_URL", provider: "OpenAI" };
    }
    if (this.parsed.provider === "openrouter") {
      const apiKey = this.env.OPENROUTER_API_KEY;
      if (!apiKey) throw new ModelError("auth", `No API key for ${this.name}: set OPENROUTER_API_KEY in the server's environment.`);
      const baseURL = this.env.OPENROUTER_BASE_URL || DEFAULT_OPENROUTER_BASE_URL;
      return { baseURL, apiKey, keyVariable: "OPENROUTER_API_KEY", baseUrlVariable: "OPENROUTER_BASE_URL", provider: "OpenRouter" };
    }
    const service = this.parsed.service ?? "";
    const prefix = serviceEnvPrefix(service);
    const baseURL = this.env[`${prefix}_BASE_URL`];
    if (!baseURL) {
      throw new ModelError("not_configured", `No server for ${this.name}: set ${prefix}_BASE_URL to its OpenAI-compatible URL (e.g. http://localhost:8000/v1).`);
    }
    const apiKey = this.env[`${prefix}_API_KEY`];
    if (!apiKey) {
      throw new ModelError("auth", `No API key for ${this.name}: set ${prefix}_API_KEY (any non-empty value if the server needs no key).`);
    }
    return { baseURL, apiKey, keyVariable: `${prefix}_API_KEY`, baseUrlVariable: `${prefix}_BASE_URL`, provider: `the ${service} server` };
  }

  private sdk(credentials: Credentials): OpenAI {
    const key = `${credentials.baseURL}\n${credentials.apiKey}`;
    if (this.client?.key !== key) {
      const ownApi = this.parsed.provider === "openai";
      const sdk = new OpenAI({
        baseURL: credentials.baseURL,
        apiKey: credentials.apiKey,
        // Nothing else is read from the environment, and OpenAI's org/project never reach another server.
        adminAPIKey: null,
        webhookSecret: null,
        organization: ownApi ? (this.env.OPENAI_ORG_ID ?? null) : null,
        project: ownApi ? (this.env.OPENAI_PROJECT_ID ?? null) : null,
        timeout: this.options.timeoutMs,
        maxRetries: this.options.maxRetries,
        fetch: modelFetch,
        ...(this.options.logger ? { logger: this.options.logger } : {}),
      });
      this.client = { key, sdk };
    }
    return this.client.sdk;
  }
}
