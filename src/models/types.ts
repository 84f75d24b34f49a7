import type { AssistantMessage, ChatMessage } from "../core/messages.js";
import type { ToolDefinition } from "../audit/synthetic-tools.js";

export type ModelRole = "target" | "judge" | "realism" | "auditor";

export interface ModelCapabilities {
  /** Accepts a trailing assistant message as the start of its reply. */
  prefill: boolean;
  /** Can return reasoning (thinking) blocks. */
  thinking: boolean;
  /** May return several tool calls in one turn. */
  parallelToolCalls: boolean;
  /** Takes temperature / top_p (default true). */
  temperature?: boolean;
  /** Why temperature is refused, for the error message. */
  temperatureNote?: string;
  /** Takes temperature / top_p while thinking (default true). */
  temperatureWithThinking?: boolean;
  /** Takes stop sequences (default true). */
  stopSequences?: boolean;
}

export interface ReasoningSettings {
  /** Provider-neutral effort hint (Inspect's `reasoning_effort`). */
  effort?: "minimal" | "low" | "medium" | "high";
  /** Token budget for extended thinking (Anthropic `budget_tokens`, Gemini `thinkingBudget`). */
  budgetTokens?: number;
  /** Reasoning summaries (OpenAI Responses); "none" also hides Anthropic thinking text. */
  summary?: "auto" | "concise" | "detailed" | "none";
}

export interface GenerateRequest {
  /** System text, sent the way the provider expects (Anthropic `system`, OpenAI system message). */
  system?: string;
  /**
   * The conversation without system messages. Consecutive assistant messages are already merged;
   * a trailing assistant message is a prefill that the reply continues.
   */
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** Force a tool ("any" = some tool, or a named tool). */
  toolChoice?: "auto" | "none" | "any" | { name: string };
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  reasoning?: ReasoningSettings;
  signal?: AbortSignal;
}

export interface Usage {
  /** Total input tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export type StopReason = "stop" | "tool_calls" | "max_tokens" | "content_filter" | "refusal" | "unknown";

export interface GenerateResult {
  /** The reply; when a prefill was sent it holds only the continuation. */
  message: Omit<AssistantMessage, "id"> & { id?: string };
  stopReason: StopReason;
  usage: Usage;
  /** The model name the provider reported, if any. */
  model?: string;
}

export interface ChatModel {
  /** The `provider/model` string this model was resolved from. */
  readonly name: string;
  readonly capabilities: ModelCapabilities;
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

export type ModelErrorKind =
  | "auth"
  | "rate_limit"
  | "overloaded"
  | "context_length"
  | "bad_request"
  | "timeout"
  | "connection"
  | "prefill_unsupported"
  | "not_configured"
  | "aborted"
  /** Not a call: the run's budget is spent (src/models/budget.ts), so it did not start. */
  | "budget"
  | "unknown";

/** A failed model call, with a short message written for the person or model who must act on it. */
export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

/** Resolves `provider/model` strings to models. */
export interface ModelResolver {
  resolve(name: string): ChatModel;
  /** Capabilities without constructing a client (used to refuse before any request). */
  capabilities(name: string): ModelCapabilities;
}
