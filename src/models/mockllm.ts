/**
 * `mockllm/<name>`: a deterministic offline model, as in Inspect. Unscripted, it answers every call
 * with a fixed sentence; tests and demos script replies (text, reasoning, tool calls or errors).
 */
import type { Content, ToolCall } from "../core/messages.js";
import { messageText } from "../core/messages.js";
import { type ChatModel, type GenerateRequest, type GenerateResult, type ModelCapabilities, ModelError } from "./types.js";

export interface MockOutput {
  text?: string;
  reasoning?: string;
  toolCalls?: Array<{ id?: string; function: string; arguments?: Record<string, unknown> }>;
  /** Throw this instead of answering. */
  error?: ModelError;
}

export type MockResponder = (request: GenerateRequest, callIndex: number) => MockOutput | Promise<MockOutput>;

export const MOCK_DEFAULT_OUTPUT = "Default output from mockllm/model";

export class MockLLM implements ChatModel {
  readonly capabilities: ModelCapabilities = { prefill: true, thinking: true, parallelToolCalls: true };
  /** Every request received, in order. */
  readonly requests: GenerateRequest[] = [];
  private readonly queue: Array<MockOutput | MockResponder> = [];
  private responder: MockResponder | null = null;
  private toolCallCounter = 0;

  constructor(readonly name = "mockllm/model") {}

  /** Queues outputs, each used once, before falling back to the responder or the default. */
  script(...outputs: Array<MockOutput | MockResponder>): this {
    this.queue.push(...outputs);
    return this;
  }

  respondWith(responder: MockResponder | null): this {
    this.responder = responder;
    return this;
  }

  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.responder = null;
    this.toolCallCounter = 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    if (request.signal?.aborted) throw new ModelError("aborted", `The call to ${this.name} was cancelled.`);
    const callIndex = this.requests.length;
    this.requests.push(request);
    const next = this.queue.shift() ?? this.responder ?? { text: MOCK_DEFAULT_OUTPUT };
    const output = typeof next === "function" ? await next(request, callIndex) : next;
    if (output.error) throw output.error;

    const content: Content[] = [];
    if (output.reasoning !== undefined) content.push({ type: "reasoning", reasoning: output.reasoning, signature: null, redacted: false });
    if (output.text !== undefined && output.text !== "") content.push({ type: "text", text: output.text });
    const toolCalls: ToolCall[] = (output.toolCalls ?? []).map((c) => ({
      id: c.id ?? `call_${++this.toolCallCounter}`,
      function: c.function,
      arguments: c.arguments ?? {},
      type: "function",
    }));
    const inputChars = JSON.stringify(request.messages).length + (request.system?.length ?? 0);
    const outputText = content.length === 1 && content[0]!.type === "text" ? content[0]!.text : null;
    return {
      message: {
        role: "assistant",
        content: outputText ?? content,
        tool_calls: toolCalls.length > 0 ? toolCalls : null,
        model: this.name,
      },
      stopReason: toolCalls.length > 0 ? "tool_calls" : "stop",
      usage: { inputTokens: Math.ceil(inputChars / 4), outputTokens: Math.ceil((output.text ?? "").length / 4) + 1 },
      model: this.name,
    };
  }
}

/** The text of the last user message of a request (handy in responders). */
export function lastUserText(request: GenerateRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role === "user") return messageText(m);
  }
  return "";
}
