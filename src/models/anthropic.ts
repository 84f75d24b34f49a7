/**
 * `anthropic/<model>`: the Messages API through @anthropic-ai/sdk.
 *
 * Our Petri-shaped messages become Anthropic turns: the system text is the `system` param; tool
 * results are `tool_result` blocks in a user turn (`is_error` on failures); consecutive same-role
 * turns are merged; reasoning parts go back as `thinking` / `redacted_thinking` blocks exactly as
 * received (the API verifies their signatures); a trailing assistant turn is a prefill, and the
 * reply holds only its continuation.
 */
import Anthropic, { type ClientOptions } from "@anthropic-ai/sdk";
import type { AssistantMessage, ChatMessage, Content, ToolCall } from "../core/messages.js";
import { messageText } from "../core/messages.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";
import { isCurrentClaude, modelCapabilities, requiresAdaptiveThinking } from "./capabilities.js";
import { type ErrorContext, toModelError } from "./errors.js";
import { modelFetch } from "./http-client.js";
import { type ChatModel, type GenerateRequest, type GenerateResult, type ModelCapabilities, ModelError, type ReasoningSettings, type StopReason, type Usage } from "./types.js";

export interface AnthropicModelOptions {
  timeoutMs: number;
  maxRetries: number;
  env?: NodeJS.ProcessEnv;
  logger?: ClientOptions["logger"];
}

export const DEFAULT_BASE_URL = "https://api.anthropic.com";
export const DEFAULT_MAX_TOKENS = 4096;
/**
 * Above this many max tokens the SDK expects a call to take over 10 minutes and wants streaming
 * (its estimate: 60 min per 128k tokens); such calls use `messages.stream().finalMessage()`.
 */
export const STREAMING_ABOVE_MAX_TOKENS = 21_333;
/** Thinking budgets for an effort hint, on models that take a fixed `budget_tokens`. */
export const EFFORT_BUDGET_TOKENS = { minimal: 1024, low: 1024, medium: 4096, high: 16_384 } as const;

type Block = Anthropic.ContentBlockParam;
type Turn = { role: "user" | "assistant"; blocks: Block[] };

function toolUseBlock(call: ToolCall): Anthropic.ToolUseBlockParam {
  return { type: "tool_use", id: call.id, name: call.function, input: call.arguments };
}

/** A reasoning part as the block it came from. Unsigned reasoning (another provider's) cannot be verified, so it is left out. */
function reasoningBlock(part: Extract<Content, { type: "reasoning" }>): Block | null {
  if (part.redacted) return { type: "redacted_thinking", data: part.reasoning };
  if (!part.signature) return null;
  return { type: "thinking", thinking: part.reasoning, signature: part.signature };
}

function contentBlocks(content: string | Content[]): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  const blocks: Block[] = [];
  for (const part of content) {
    if (part.type === "reasoning") {
      const block = reasoningBlock(part);
      if (block) blocks.push(block);
    } else if (part.text !== "") {
      blocks.push({ type: "text", text: part.text });
    }
  }
  return blocks;
}

function messageTurn(message: ChatMessage): Turn | null {
  switch (message.role) {
    case "system":
      return null;
    case "user":
      return { role: "user", blocks: contentBlocks(message.content) };
    case "assistant":
      return { role: "assistant", blocks: [...contentBlocks(message.content), ...(message.tool_calls ?? []).map(toolUseBlock)] };
    case "tool": {
      const result: Anthropic.ToolResultBlockParam = { type: "tool_result", tool_use_id: message.tool_call_id };
      const text = message.error ? message.error.message : messageText(message);
      // An empty result is sent without content: the API refuses empty text.
      if (text !== "") result.content = text;
      if (message.error) result.is_error = true;
      return { role: "user", blocks: [result] };
    }
  }
}

/** The API refuses a prefill that ends in whitespace. */
function trimPrefill(turn: Turn): void {
  const last = turn.blocks[turn.blocks.length - 1];
  if (last?.type !== "text") return;
  const text = last.text.trimEnd();
  if (text === "") turn.blocks.pop();
  else turn.blocks[turn.blocks.length - 1] = { ...last, text };
}

/** Our messages as Anthropic `messages` (system messages are left to `system`). */
export function toAnthropicMessages(messages: readonly ChatMessage[]): Anthropic.MessageParam[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    const turn = messageTurn(message);
    if (!turn) continue;
    const previous = turns[turns.length - 1];
    if (previous?.role === turn.role) previous.blocks.push(...turn.blocks);
    else turns.push(turn);
  }
  const last = turns[turns.length - 1];
  if (last?.role === "assistant") trimPrefill(last);
  return turns.map(({ role, blocks }) => {
    const only = blocks.length === 1 ? blocks[0] : undefined;
    return { role, content: only?.type === "text" ? only.text : blocks };
  });
}

function systemText(request: GenerateRequest): string | undefined {
  const inline = request.messages.filter((m) => m.role === "system").map((m) => messageText(m));
  const parts = [request.system, ...inline].filter((s): s is string => s !== undefined && s !== "");
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}

export function toAnthropicTool(tool: ToolDefinition): Anthropic.Tool {
  return { name: tool.name, description: tool.description, input_schema: tool.parameters as unknown as Anthropic.Tool.InputSchema };
}

function toolChoice(choice: GenerateRequest["toolChoice"]): Anthropic.ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === "object") return { type: "tool", name: choice.name };
  return { type: choice };
}

function wantsThinking(reasoning: ReasoningSettings | undefined): reasoning is ReasoningSettings {
  return reasoning !== undefined && (reasoning.effort !== undefined || reasoning.budgetTokens !== undefined);
}

/**
 * Thinking settings. Claude 4.7 and later (and unknown ids) only take `{type: "adaptive"}` with
 * `output_config.effort`; Claude 4.6 takes either (a token budget asks for `enabled`); older models
 * take `{type: "enabled", budget_tokens}` (the budget, or one derived from the effort). Thinking
 * tokens count toward `max_tokens`, so the budget is added on top of the reply's own. Adaptive
 * thinking is asked to show its text (`display: "summarized"`) unless reasoning_summary is "none".
 */
function thinkingParams(model: string, reasoning: ReasoningSettings, maxTokens: number) {
  const display = reasoning.summary === "none" ? "omitted" : undefined;
  if (requiresAdaptiveThinking(model) || (isCurrentClaude(model) && reasoning.budgetTokens === undefined)) {
    const effort = reasoning.effort === "minimal" ? "low" : reasoning.effort;
    return {
      thinking: { type: "adaptive", display: display ?? "summarized" } as Anthropic.ThinkingConfigParam,
      output_config: effort ? { effort } : undefined,
      max_tokens: maxTokens + (reasoning.budgetTokens ?? 0),
    };
  }
  const budget = Math.max(1024, reasoning.budgetTokens ?? EFFORT_BUDGET_TOKENS[reasoning.effort ?? "medium"]);
  const thinking = { type: "enabled", budget_tokens: budget, ...(display ? { display } : {}) } as Anthropic.ThinkingConfigParam;
  return { thinking, output_config: undefined, max_tokens: maxTokens + budget };
}

/** The request body for `messages.create`, without `stream`. */
export function anthropicRequestBody(fullName: string, model: string, capabilities: ModelCapabilities, request: GenerateRequest): Anthropic.MessageCreateParamsNonStreaming {
  const messages = toAnthropicMessages(request.messages);
  const prefill = messages[messages.length - 1]?.role === "assistant";
  if (prefill && !capabilities.prefill) throw new ModelError("prefill_unsupported", `prefill is not supported by ${fullName}`);
  const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
  const body: Anthropic.MessageCreateParamsNonStreaming = { model, max_tokens: maxTokens, messages };
  const system = systemText(request);
  if (system !== undefined) body.system = system;
  if (request.tools && request.tools.length > 0) body.tools = request.tools.map(toAnthropicTool);
  const choice = toolChoice(request.toolChoice);
  if (choice && body.tools) body.tool_choice = choice;

  if (capabilities.thinking && wantsThinking(request.reasoning)) {
    if (prefill) throw new ModelError("prefill_unsupported", `prefill cannot be combined with thinking on ${fullName}: send one or the other.`);
    if (choice?.type === "any" || choice?.type === "tool") {
      throw new ModelError("bad_request", `A forced tool choice cannot be combined with thinking on ${fullName}: use tool choice "auto" or turn thinking off.`);
    }
    const thinking = thinkingParams(model, request.reasoning, maxTokens);
    body.thinking = thinking.thinking;
    body.max_tokens = thinking.max_tokens;
    if (thinking.output_config) body.output_config = thinking.output_config;
  }
  if (request.stopSequences && request.stopSequences.length > 0) body.stop_sequences = request.stopSequences;
  // temperature / top_p are refused before this point (capabilities.ts): the API version this SDK
  // speaks (2026-10-21) has no sampling parameters.
  return body;
}

function toolCallFrom(block: Anthropic.ToolUseBlock): ToolCall {
  const input = block.input;
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    return { id: block.id, function: block.name, arguments: input as Record<string, unknown>, type: "function" };
  }
  const raw = typeof input === "string" ? input : JSON.stringify(input);
  return { id: block.id, function: block.name, arguments: {}, type: "function", parse_error: `The tool input is not a JSON object: ${raw}` };
}

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  tool_use: "tool_calls",
  max_tokens: "max_tokens",
  model_context_window_exceeded: "max_tokens",
  refusal: "refusal",
};

export function anthropicUsage(usage: Anthropic.Usage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const result: Usage = {
    // Anthropic's input_tokens excludes cache reads and writes; ours is the total.
    inputTokens: usage.input_tokens + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number") result.reasoningTokens = thinking;
  return result;
}

/** An Anthropic reply as our result: thinking and text in order as content parts, tool_use as tool calls. */
export function fromAnthropicMessage(message: Anthropic.Message): GenerateResult {
  const parts: Content[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === "thinking") parts.push({ type: "reasoning", reasoning: block.thinking, signature: block.signature, redacted: false });
    else if (block.type === "redacted_thinking") parts.push({ type: "reasoning", reasoning: block.data, signature: null, redacted: true });
    else if (block.type === "text") parts.push({ type: "text", text: block.text });
    else if (block.type === "tool_use") toolCalls.push(toolCallFrom(block));
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  const content: AssistantMessage["content"] = parts.length === 0 ? "" : only?.type === "text" ? only.text : parts;
  return {
    message: { role: "assistant", content, tool_calls: toolCalls.length > 0 ? toolCalls : null, model: message.model },
    stopReason: STOP_REASONS[message.stop_reason ?? ""] ?? "unknown",
    usage: anthropicUsage(message.usage),
    model: message.model,
  };
}

/** The Messages API of a Claude client: Anthropic's own, or Bedrock's / Vertex's (same shapes). */
export interface ClaudeSdk {
  messages: Pick<Anthropic["messages"], "create" | "stream">;
}

/** Where one call goes: how to build the client, and how to word its failures. */
export interface ClaudeEndpoint {
  /** The settings the client is built from; a new client is made when they change. */
  key: string;
  /** Async so a platform SDK can be imported at its first call (the bundle keeps those SDKs external). */
  create(): ClaudeSdk | Promise<ClaudeSdk>;
  context: ErrorContext;
}

/**
 * Reads the platform's settings from `env` at call time (so the server starts without keys) and
 * throws a ModelError naming the variables to set when a credential is missing.
 */
export type ClaudeConnector = (name: string, env: NodeJS.ProcessEnv, options: AnthropicModelOptions) => ClaudeEndpoint;

/** `anthropic/<model>`: Anthropic's API with ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN). */
export const connectAnthropic: ClaudeConnector = (name, env, options) => {
  const apiKey = env.ANTHROPIC_API_KEY || undefined;
  const authToken = apiKey ? undefined : env.ANTHROPIC_AUTH_TOKEN || undefined;
  if (!apiKey && !authToken) {
    throw new ModelError("auth", `No API key for ${name}: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) in the server's environment.`);
  }
  const baseURL = env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL;
  return {
    key: `${baseURL}\n${apiKey ?? ""}\n${authToken ?? ""}`,
    create: () =>
      new Anthropic({
        baseURL,
        ...(apiKey ? { apiKey } : { authToken }),
        timeout: options.timeoutMs,
        maxRetries: options.maxRetries,
        fetch: modelFetch,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    context: {
      model: name,
      provider: "Anthropic",
      keyVariable: apiKey ? "ANTHROPIC_API_KEY" : "ANTHROPIC_AUTH_TOKEN",
      baseUrlVariable: "ANTHROPIC_BASE_URL",
      baseURL,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      secrets: [apiKey ?? authToken ?? ""],
    },
  };
};

/** A Claude model behind any connector: the request and reply mapping above is shared by every platform. */
export class AnthropicModel implements ChatModel {
  readonly capabilities: ModelCapabilities;
  private readonly env: NodeJS.ProcessEnv;
  private client: { key: string; sdk: ClaudeSdk } | null = null;

  constructor(
    readonly name: string,
    private readonly model: string,
    private readonly options: AnthropicModelOptions,
    private readonly connector: ClaudeConnector = connectAnthropic,
    provider: "anthropic" | "bedrock" | "vertex" = "anthropic",
  ) {
    this.env = options.env ?? process.env;
    this.capabilities = modelCapabilities({ provider, model }, this.env);
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const body = anthropicRequestBody(this.name, this.model, this.capabilities, request);
    const endpoint = this.connector(this.name, this.env, this.options);
    try {
      if (this.client?.key !== endpoint.key) this.client = { key: endpoint.key, sdk: await endpoint.create() };
      const sdk = this.client.sdk;
      const message =
        body.max_tokens > STREAMING_ABOVE_MAX_TOKENS
          ? await sdk.messages.stream(body, { signal: request.signal }).finalMessage()
          : await sdk.messages.create(body, { signal: request.signal });
      return fromAnthropicMessage(message);
    } catch (error) {
      throw toModelError(error, endpoint.context);
    }
  }
}
