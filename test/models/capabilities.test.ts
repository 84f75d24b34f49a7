/**
 * The capability table, its env overrides, and the price estimates.
 */
import { calcPrice } from "@pydantic/genai-prices";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createModelRegistry } from "../../src/context.js";
import { claudeVersion, isCurrentClaude, modelCapabilities, prefillStrategy } from "../../src/models/capabilities.js";
import { estimateCostUsd } from "../../src/models/pricing.js";
import { parseModelName } from "../../src/models/registry.js";
import { setEnv } from "./helpers.js";

const caps = (name: string, env: NodeJS.ProcessEnv = {}) => modelCapabilities(parseModelName(name), env);

describe("Claude versions", () => {
  it.each([
    ["claude-sonnet-4-5", 4, 5],
    ["claude-sonnet-4-5-20250929", 4, 5],
    ["claude-sonnet-4-20250514", 4, 0],
    ["claude-opus-4-1-20250805", 4, 1],
    ["claude-opus-4-6", 4, 6],
    ["claude-sonnet-5", 5, 0],
    ["claude-haiku-5-5", 5, 5],
    ["claude-3-5-sonnet-20241022", 3, 5],
    ["claude-3-opus-20240229", 3, 0],
    ["claude-3-7-sonnet-latest", 3, 7],
    ["anthropic.claude-sonnet-4-5-20250929-v1:0", 4, 5],
    ["claude-opus-4-5@20251101", 4, 5],
    ["claude-sonnet-4.5", 4, 5],
  ])("%s is %i.%i", (id, major, minor) => {
    expect(claudeVersion(id)).toMatchObject({ major, minor });
  });

  it("treats mythos, fable and unknown ids as current models", () => {
    expect(isCurrentClaude("claude-mythos-5")).toBe(true);
    expect(isCurrentClaude("claude-fable-5-2")).toBe(true);
    expect(isCurrentClaude("claude-mythos-preview")).toBe(true);
    expect(claudeVersion("some-unknown-model")).toBeNull();
    expect(isCurrentClaude("some-unknown-model")).toBe(true);
    expect(isCurrentClaude("claude-opus-4-5")).toBe(false);
  });
});

describe("capability table", () => {
  it.each([
    ["anthropic/claude-3-5-sonnet-20241022", true],
    ["anthropic/claude-3-7-sonnet-latest", true],
    ["anthropic/claude-sonnet-4-0", true],
    ["anthropic/claude-opus-4-1", true],
    ["anthropic/claude-sonnet-4-5", true],
    ["anthropic/claude-haiku-4-5-20251001", true],
    ["anthropic/claude-opus-4-5", true],
    ["anthropic/claude-sonnet-4-6", false],
    ["anthropic/claude-opus-4-7", false],
    ["anthropic/claude-opus-4-8", false],
    ["anthropic/claude-sonnet-5", false],
    ["anthropic/claude-sonnet-5-5", false],
    ["anthropic/claude-mythos-5-1", false],
    ["anthropic/claude-fable-5", false],
    ["anthropic/a-future-model", false],
    ["openai/gpt-5", false],
    ["openai/gpt-4o", false],
    ["openai-api/vllm/Qwen/Qwen3-8B", true],
    ["mockllm/model", true],
  ])("prefill for %s: %s", (name, prefill) => {
    expect(caps(name).prefill).toBe(prefill);
  });

  it("knows thinking and parallel tool calls", () => {
    expect(caps("anthropic/claude-3-5-sonnet-20241022")).toMatchObject({ prefill: true, thinking: false, parallelToolCalls: true });
    expect(caps("anthropic/claude-3-7-sonnet-latest").thinking).toBe(true);
    // The Messages API version of the SDK has no sampling parameters at all.
    expect(caps("anthropic/claude-opus-4-7")).toMatchObject({ prefill: false, thinking: true, parallelToolCalls: true, temperature: false, temperatureWithThinking: false });
    expect(caps("openai/gpt-5")).toMatchObject({ prefill: false, thinking: true, parallelToolCalls: true, temperature: false, stopSequences: false });
    expect(caps("openai/gpt-4.1")).toEqual({ prefill: false, thinking: false, parallelToolCalls: true });
    expect(caps("openai-api/ollama/qwen3")).toEqual({ prefill: true, thinking: true, parallelToolCalls: true });
    expect(caps("google/gemini-2.5-pro")).toEqual({ prefill: false, thinking: true, parallelToolCalls: true });
    expect(caps("google/gemini-3-flash-preview").thinking).toBe(true);
    expect(caps("google/gemini-2.0-flash").thinking).toBe(false);
    expect(caps("openrouter/qwen/qwen3-235b-a22b")).toEqual({ prefill: true, thinking: true, parallelToolCalls: true });
  });

  it("follows <NAME>_PREFILL for compatible servers", () => {
    expect(caps("openai-api/vllm/m", { VLLM_PREFILL: "none" }).prefill).toBe(false);
    expect(caps("openai-api/vllm/m", { VLLM_PREFILL: "vllm" }).prefill).toBe(true);
    expect(prefillStrategy("my-server", { MY_SERVER_PREFILL: "VLLM" })).toBe("vllm");
    expect(prefillStrategy("vllm", {})).toBe("trailing-assistant");
  });

  it("lets PETRI_PREFILL_MODELS / PETRI_NO_PREFILL_MODELS override, by full name or bare id, no-prefill winning", () => {
    expect(caps("anthropic/claude-sonnet-4-6", { PETRI_PREFILL_MODELS: "anthropic/claude-sonnet-4-6" }).prefill).toBe(true);
    expect(caps("anthropic/claude-opus-4-7", { PETRI_PREFILL_MODELS: " claude-opus-4-* , gpt-x" }).prefill).toBe(true);
    expect(caps("anthropic/claude-sonnet-4-5", { PETRI_NO_PREFILL_MODELS: "anthropic/*" }).prefill).toBe(false);
    expect(caps("openai-api/vllm/Qwen/Qwen3-8B", { PETRI_NO_PREFILL_MODELS: "qwen/*" }).prefill).toBe(false);
    expect(caps("anthropic/claude-sonnet-4-5", { PETRI_PREFILL_MODELS: "*", PETRI_NO_PREFILL_MODELS: "*sonnet-4-5" }).prefill).toBe(false);
    // Patterns are whole-name matches, and dots are literal.
    expect(caps("anthropic/claude-sonnet-4-6", { PETRI_PREFILL_MODELS: "claude-sonnet" }).prefill).toBe(false);
    expect(caps("openai-api/x/a-b", { PETRI_NO_PREFILL_MODELS: "a.b" }).prefill).toBe(true);
  });
});

describe("the server's registry", () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it("knows capabilities without building a client or needing a key, and resolves every provider", () => {
    restore = setEnv({ ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, OPENAI_API_KEY: undefined, PETRI_PREFILL_MODELS: undefined, PETRI_NO_PREFILL_MODELS: undefined });
    const registry = createModelRegistry(loadConfig({ db: ":memory:" }, {}));
    expect(registry.capabilities("anthropic/claude-sonnet-4-6").prefill).toBe(false);
    expect(registry.capabilities("anthropic/claude-sonnet-4-5").prefill).toBe(true);
    expect(registry.capabilities("openai/gpt-5").prefill).toBe(false);
    expect(registry.resolve("anthropic/claude-sonnet-4-5").name).toBe("anthropic/claude-sonnet-4-5");
    expect(registry.resolve("openai/gpt-5").capabilities.prefill).toBe(false);
    expect(registry.resolve("openai-api/vllm/Qwen/Qwen3-8B").name).toBe("openai-api/vllm/Qwen/Qwen3-8B");
  });
});

describe("cost", () => {
  const usage = { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 4_000, cacheWriteTokens: 1_000 };

  it("prices known Anthropic and OpenAI models from genai-prices, cache tokens included", () => {
    const expected = calcPrice({ input_tokens: 10_000, output_tokens: 2_000, cache_read_tokens: 4_000, cache_write_tokens: 1_000 }, "claude-sonnet-4-5", { providerId: "anthropic" });
    expect(estimateCostUsd("anthropic/claude-sonnet-4-5", usage)).toBe(expected?.total_price);
    const uncached = estimateCostUsd("anthropic/claude-sonnet-4-5", { inputTokens: 10_000, outputTokens: 2_000 });
    expect(uncached).not.toBeNull();
    // Cache reads are cheaper than fresh input.
    expect(estimateCostUsd("anthropic/claude-sonnet-4-5", { ...usage, cacheWriteTokens: 0 })!).toBeLessThan(uncached!);
    expect(estimateCostUsd("openai/gpt-5", { inputTokens: 1_000_000, outputTokens: 0 })).toBeCloseTo(1.25, 6);
  });

  it("prices hosted compatible services it knows, and nothing else", () => {
    expect(estimateCostUsd("openai-api/openrouter/anthropic/claude-sonnet-4.5", usage)).toBeGreaterThan(0);
    expect(estimateCostUsd("openai-api/vllm/Qwen/Qwen3-8B", usage)).toBeNull();
    expect(estimateCostUsd("openai/not-a-real-model", usage)).toBeNull();
    expect(estimateCostUsd("mockllm/model", usage)).toBeNull();
    expect(estimateCostUsd("garbage", usage)).toBeNull();
    // More cached tokens than input (a quirky server) is no price rather than an exception.
    expect(estimateCostUsd("openai/gpt-5", { inputTokens: 1, outputTokens: 1, cacheReadTokens: 5 })).toBeNull();
  });
});
