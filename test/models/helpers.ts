/**
 * Helpers for the provider tests: message builders, an env pointing the SDKs at the fake, and a
 * scoped process.env override.
 */
import type { AssistantMessage, ChatMessage, ToolCall, ToolMessage, UserMessage } from "../../src/audit/messages.js";
import type { ToolDefinition } from "../../src/audit/synthetic-tools.js";
import { expect } from "vitest";
import { type GenerateRequest, ModelError } from "../../src/models/types.js";
import type { FakeLlm } from "../fake-llm/server.js";

let counter = 0;
const nextId = () => `m${++counter}`;

export const user = (text: string): UserMessage => ({ id: nextId(), role: "user", content: text });
export const assistant = (content: AssistantMessage["content"], toolCalls?: ToolCall[]): AssistantMessage => ({
  id: nextId(),
  role: "assistant",
  content,
  ...(toolCalls ? { tool_calls: toolCalls } : {}),
});
export const prefill = (text: string): AssistantMessage => ({ id: nextId(), role: "assistant", content: text, metadata: { prefill: true } });
export const toolResult = (id: string, fn: string, text: string): ToolMessage => ({ id: nextId(), role: "tool", tool_call_id: id, function: fn, content: text });
export const toolError = (id: string, fn: string, message: string): ToolMessage => ({
  id: nextId(),
  role: "tool",
  tool_call_id: id,
  function: fn,
  content: "",
  error: { type: "unknown", message },
});
export const call = (id: string, fn: string, args: Record<string, unknown>): ToolCall => ({ id, function: fn, arguments: args, type: "function" });

export const bashTool: ToolDefinition = {
  name: "bash",
  description: "Run a shell command.",
  parameters: { type: "object", properties: { cmd: { type: "string", description: "The command." } }, required: ["cmd"], additionalProperties: false },
  parallel: true,
};

/** An env with every provider pointed at the fake and dummy keys. */
export function fakeEnv(fake: FakeLlm, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ANTHROPIC_API_KEY: "test-key",
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    ...extra,
  };
}

/** Sets process.env variables (undefined deletes) and returns a function that restores them. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  return () => apply(saved);
}

export const messages = (...list: ChatMessage[]): ChatMessage[] => list;

/** The ModelError a call fails with (the test fails if it succeeds or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

/** A request with one user message. */
export const ask = (text: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({ messages: [user(text)], maxTokens: 1000, ...extra });
