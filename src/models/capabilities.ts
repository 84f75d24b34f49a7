/**
 * What each model accepts, known before any request: prefill, thinking, parallel tool calls.
 * Prefill matters most: Claude 4.6 and later (and OpenAI's own API) answer a trailing assistant
 * message with a 400, so the tools refuse it up front with a clear message instead.
 */
import type { ParsedModelName } from "./registry.js";
import { type ModelCapabilities, ModelError } from "./types.js";

/** How an `openai-api/<name>/…` server takes a prefill (env `<NAME>_PREFILL`). */
export type PrefillStrategy = "none" | "trailing-assistant" | "vllm";

const PREFILL_STRATEGIES: readonly PrefillStrategy[] = ["none", "trailing-assistant", "vllm"];

/** `vllm` -> `VLLM`, `my-server` -> `MY_SERVER`: the prefix of a server's env variables. */
export function serviceEnvPrefix(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

export function prefillStrategy(service: string, env: NodeJS.ProcessEnv = process.env): PrefillStrategy {
  const variable = `${serviceEnvPrefix(service)}_PREFILL`;
  const value = env[variable]?.trim().toLowerCase();
  if (!value) return "trailing-assistant";
  if ((PREFILL_STRATEGIES as readonly string[]).includes(value)) return value as PrefillStrategy;
  throw new ModelError("not_configured", `${variable}='${env[variable]}' is not a prefill strategy; use one of: ${PREFILL_STRATEGIES.join(", ")}.`);
}

export interface ClaudeVersion {
  major: number;
  minor: number;
  /** mythos and fable ids carry no comparable version; they are treated as current models. */
  family: string;
}

/**
 * The version of a Claude model id, in either naming scheme: `claude-sonnet-4-5(-date)` or
 * `claude-3-5-sonnet-(date)`. Prefixed ids (Bedrock/Vertex style) work too. Null when unknown.
 */
export function claudeVersion(model: string): ClaudeVersion | null {
  const id = model.toLowerCase();
  const special = /claude-(mythos|fable)\b/.exec(id);
  if (special) return { major: Number.POSITIVE_INFINITY, minor: 0, family: special[1]! };
  // Family first: claude-opus-4-6, claude-sonnet-4-20250514 (the minor is 1-2 digits, a date is not).
  const familyFirst = /claude-(opus|sonnet|haiku|instant)-(\d+)(?:[-.](\d{1,2}))?(?=$|[-@:])/.exec(id);
  if (familyFirst) return { major: Number(familyFirst[2]), minor: Number(familyFirst[3] ?? 0), family: familyFirst[1]! };
  // Version first: claude-3-5-sonnet-20241022, claude-3-opus-latest, claude-2.1.
  const versionFirst = /claude-(\d+)(?:[-.](\d{1,2}))?(?=$|[-@:])(?:-(opus|sonnet|haiku))?/.exec(id);
  if (versionFirst) return { major: Number(versionFirst[1]), minor: Number(versionFirst[2] ?? 0), family: versionFirst[3] ?? "claude" };
  return null;
}

function atLeast(version: ClaudeVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** Claude 4.6 and later (5.x, mythos, fable) take adaptive thinking and refuse prefill. */
export function isCurrentClaude(model: string): boolean {
  const version = claudeVersion(model);
  return version === null || atLeast(version, 4, 6);
}

/** Claude 4.7 and later (and unknown ids) refuse `thinking: {type: "enabled"}`: only adaptive thinking. */
export function requiresAdaptiveThinking(model: string): boolean {
  const version = claudeVersion(model);
  return version === null || atLeast(version, 4, 7);
}

export const ANTHROPIC_NO_SAMPLING = "the Messages API version of @anthropic-ai/sdk 1.x (2026-10-21) has no temperature or top_p";

function anthropicCapabilities(model: string): ModelCapabilities {
  const version = claudeVersion(model);
  return {
    // Unknown ids are assumed current (no prefill): a clear refusal beats a provider 400.
    prefill: version !== null && !atLeast(version, 4, 6),
    thinking: version === null || atLeast(version, 3, 7),
    parallelToolCalls: true,
    temperature: false,
    temperatureNote: ANTHROPIC_NO_SAMPLING,
    temperatureWithThinking: false,
  };
}

/** OpenAI reasoning models (o1, o3, o4-mini, gpt-5*, codex): served through the Responses API. */
export function openaiReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|codex)/i.test(model);
}

/** Gemini 2.5 and later think (thinkingConfig); Gemini takes no prefill. */
export function geminiThinks(model: string): boolean {
  const match = /gemini-(\d+)(?:\.(\d+))?/i.exec(model);
  if (!match) return false;
  const major = Number(match[1]);
  return major > 2 || (major === 2 && Number(match[2] ?? 0) >= 5);
}

function geminiCapabilities(model: string): ModelCapabilities {
  return { prefill: false, thinking: geminiThinks(model), parallelToolCalls: true };
}

/** `*` matches any run of characters; everything else is literal; case-insensitive. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "i");
}

function matchesAny(patterns: string | undefined, fullName: string, model: string): boolean {
  if (!patterns) return false;
  return patterns
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .some((p) => {
      const re = globToRegExp(p);
      return re.test(fullName) || re.test(model);
    });
}

export function fullModelName(parsed: ParsedModelName): string {
  return parsed.provider === "openai-api" ? `openai-api/${parsed.service}/${parsed.model}` : `${parsed.provider}/${parsed.model}`;
}

/**
 * Capabilities of a real provider's model, from the built-in table, then the env overrides
 * `PETRI_PREFILL_MODELS` / `PETRI_NO_PREFILL_MODELS` (comma-separated patterns with `*`, matched
 * against `provider/model` or the bare model id; the no-prefill list wins).
 */
export function modelCapabilities(parsed: ParsedModelName, env: NodeJS.ProcessEnv = process.env): ModelCapabilities {
  let capabilities: ModelCapabilities;
  switch (parsed.provider) {
    case "anthropic":
    case "bedrock":
    case "vertex":
      // Claude on Bedrock (`us.anthropic.claude-sonnet-4-6-v1:0`) and Vertex (`claude-sonnet-4-5@20250929`):
      // the same model, so the same capabilities; claudeVersion reads the id inside the platform's.
      capabilities = anthropicCapabilities(parsed.model);
      break;
    case "openai":
      // No prefill on OpenAI's API. Reasoning models go through the Responses API (reasoning summaries,
      // encrypted reasoning) and take no sampling settings or stop sequences; Chat Completions models return no reasoning.
      capabilities = openaiReasoningModel(parsed.model)
        ? { prefill: false, thinking: true, parallelToolCalls: true, temperature: false, temperatureNote: "OpenAI reasoning models take no sampling settings", stopSequences: false }
        : { prefill: false, thinking: false, parallelToolCalls: true };
      break;
    case "openai-api":
      capabilities = { prefill: prefillStrategy(parsed.service ?? "", env) !== "none", thinking: true, parallelToolCalls: true };
      break;
    case "google":
      capabilities = geminiCapabilities(parsed.model);
      break;
    case "openrouter":
      // OpenRouter continues a trailing assistant message and returns `reasoning` for models that think.
      capabilities = { prefill: true, thinking: true, parallelToolCalls: true };
      break;
    case "mockllm":
      capabilities = { prefill: true, thinking: true, parallelToolCalls: true };
      break;
  }
  const fullName = fullModelName(parsed);
  if (matchesAny(env.PETRI_PREFILL_MODELS, fullName, parsed.model)) capabilities = { ...capabilities, prefill: true };
  if (matchesAny(env.PETRI_NO_PREFILL_MODELS, fullName, parsed.model)) capabilities = { ...capabilities, prefill: false };
  return capabilities;
}
