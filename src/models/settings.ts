/**
 * Generation settings per model role (target, auditor, judge, realism), with Inspect's
 * `GenerateConfig` names, so a Petri user's `--model-role target={...}` settings carry over.
 *
 * Settings come from flags (`--target-config`), env (`PETRI_TARGET_CONFIG`), `start_audit`
 * (`target_config`) and `judge` (`judge_config`). They are checked against the model's
 * capabilities before any request; built-in defaults (Petri's) apply where a key is not set, and
 * default reasoning is dropped on models that cannot think.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as z from "zod";
import type { GenerateRequest, ModelCapabilities, ModelRole, ReasoningSettings } from "./types.js";

export const REASONING_EFFORTS = ["minimal", "low", "medium", "high"] as const;
export const REASONING_SUMMARIES = ["auto", "concise", "detailed", "none"] as const;

/** Inspect's names. Every key is optional; unknown keys are refused. */
export const generationSettingsSchema = z
  .strictObject({
    temperature: z.number().min(0).max(2).optional().describe("Sampling temperature, 0-2."),
    top_p: z.number().gt(0).max(1).optional().describe("Nucleus sampling, (0, 1]."),
    max_tokens: z.number().int().min(1).max(1_000_000).optional().describe("Most tokens in the reply (on Anthropic the thinking budget is added on top)."),
    reasoning_effort: z.enum(REASONING_EFFORTS).optional().describe("Reasoning effort for models that think: minimal, low, medium or high."),
    reasoning_tokens: z.number().int().min(1024).max(1_000_000).optional().describe("Thinking budget in tokens (Anthropic budget_tokens, Gemini thinkingBudget); at least 1024."),
    reasoning_summary: z.enum(REASONING_SUMMARIES).optional().describe("Reasoning summaries (OpenAI reasoning models): auto, concise, detailed or none. On Anthropic 'none' hides the thinking text."),
    stop_sequences: z.array(z.string().min(1).max(200)).max(8).optional().describe("Up to 8 strings that end the reply."),
  })
  .describe("Generation settings with Inspect's names (GenerateConfig).");

export type GenerationSettings = z.infer<typeof generationSettingsSchema>;

export const SETTING_KEYS = Object.keys(generationSettingsSchema.shape) as (keyof GenerationSettings)[];

/** Settings that cannot be used; the message says which key and why. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** Petri's defaults per role; reasoning defaults apply only to models that think. */
export const ROLE_DEFAULTS: Readonly<Record<ModelRole, Readonly<GenerationSettings>>> = {
  target: { max_tokens: 8192 },
  // Room for long tool arguments (system prompts, tool code) while staying on the non-streaming path.
  auditor: { max_tokens: 16_000 },
  judge: { max_tokens: 32_000, reasoning_tokens: 10_000, reasoning_effort: "high" },
  realism: { max_tokens: 16_000, reasoning_tokens: 10_000, reasoning_effort: "medium" },
};

function issueText(issue: z.core.$ZodIssue, label: string): string {
  const path = issue.path.length > 0 ? `${label}.${issue.path.join(".")}` : label;
  if (issue.code === "unrecognized_keys") {
    return `${label}: unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")} (known: ${SETTING_KEYS.join(", ")})`;
  }
  return `${path}: ${issue.message}`;
}

/** Validates a settings object; `label` names its source in the error (e.g. "target_config", "--judge-config"). */
export function parseSettings(value: unknown, label: string): GenerationSettings {
  if (value === null || value === undefined) return {};
  const parsed = generationSettingsSchema.safeParse(value);
  if (!parsed.success) throw new SettingsError(`Invalid ${parsed.error.issues.map((i) => issueText(i, label)).join("; ")}.`);
  return parsed.data;
}

/** A flag or env value: a JSON object, or `@path/to/file.json` (relative to `cwd`). */
export function readSettingsArg(text: string | undefined, label: string, cwd = process.cwd()): GenerationSettings | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let source = text.trim();
  if (source.startsWith("@")) {
    const path = resolve(cwd, source.slice(1));
    try {
      source = readFileSync(path, "utf8");
    } catch (error) {
      throw new SettingsError(`Cannot read ${label} file ${path}: ${error instanceof Error ? error.message : String(error)}.`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new SettingsError(`${label} is not valid JSON (${error instanceof Error ? error.message : String(error)}); pass a JSON object such as '{"temperature":0.7}' or @file.json.`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SettingsError(`${label} must be a JSON object such as '{"max_tokens":4096}'.`);
  return parseSettings(value, label);
}

/** Later settings win key by key; undefined keys do not erase earlier ones. */
export function mergeSettings(...layers: (GenerationSettings | null | undefined)[]): GenerationSettings {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) out[key] = value;
  }
  return out as GenerationSettings;
}

/** Null for no settings, so an audit without any stores NULL. */
export function settingsOrNull(settings: GenerationSettings | null | undefined): GenerationSettings | null {
  return settings && Object.keys(settings).length > 0 ? settings : null;
}

function wantsReasoning(settings: GenerationSettings): boolean {
  return settings.reasoning_effort !== undefined || settings.reasoning_tokens !== undefined;
}

/**
 * Refuses settings the model cannot take, before any request. `explicit` are the user's settings
 * (defaults are never refused: they adapt to the model instead).
 */
export function checkSettings(model: string, capabilities: ModelCapabilities, explicit: GenerationSettings, label: string): void {
  const sampling = explicit.temperature !== undefined ? "temperature" : explicit.top_p !== undefined ? "top_p" : null;
  if (wantsReasoning(explicit) && !capabilities.thinking) {
    throw new SettingsError(`${label}: ${model} does not think, so reasoning_effort and reasoning_tokens cannot be used; remove them.`);
  }
  if (sampling && capabilities.temperature === false) {
    throw new SettingsError(`${label}: ${model} takes no ${sampling} (${capabilities.temperatureNote ?? "the provider has no sampling settings for it"}); remove it.`);
  }
  if (sampling && capabilities.temperatureWithThinking === false && capabilities.thinking && wantsReasoning(explicit)) {
    throw new SettingsError(`${label}: ${model} cannot combine ${sampling} with thinking; remove ${sampling} or the reasoning settings.`);
  }
  if (explicit.stop_sequences !== undefined && capabilities.stopSequences === false) {
    throw new SettingsError(`${label}: ${model} takes no stop_sequences; remove them.`);
  }
}

/** Defaults for the role (reasoning only where the model thinks), overlaid with the explicit settings. */
export function effectiveSettings(role: ModelRole, capabilities: ModelCapabilities, ...explicit: (GenerationSettings | null | undefined)[]): GenerationSettings {
  const defaults: GenerationSettings = { ...ROLE_DEFAULTS[role] };
  const user = mergeSettings(...explicit);
  const userSamples = user.temperature !== undefined || user.top_p !== undefined;
  // Default reasoning yields to a model that cannot think, or to sampling it cannot combine with thinking.
  if (!capabilities.thinking || (userSamples && capabilities.temperatureWithThinking === false && !wantsReasoning(user))) {
    delete defaults.reasoning_effort;
    delete defaults.reasoning_tokens;
  }
  return mergeSettings(defaults, user);
}

/** The request fields for these settings. */
export function requestSettings(settings: GenerationSettings): Pick<GenerateRequest, "maxTokens" | "temperature" | "topP" | "stopSequences" | "reasoning"> {
  const reasoning: ReasoningSettings = {};
  if (settings.reasoning_effort !== undefined) reasoning.effort = settings.reasoning_effort;
  if (settings.reasoning_tokens !== undefined) reasoning.budgetTokens = settings.reasoning_tokens;
  if (settings.reasoning_summary !== undefined) reasoning.summary = settings.reasoning_summary;
  return {
    ...(settings.max_tokens !== undefined ? { maxTokens: settings.max_tokens } : {}),
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.top_p !== undefined ? { topP: settings.top_p } : {}),
    ...(settings.stop_sequences !== undefined ? { stopSequences: settings.stop_sequences } : {}),
    ...(Object.keys(reasoning).length > 0 ? { reasoning } : {}),
  };
}

/** Checks the explicit settings and returns the request fields for a role's call. */
export function settingsForCall(
  role: ModelRole,
  model: string,
  capabilities: ModelCapabilities,
  explicit: GenerationSettings | null | undefined,
  label: string,
): ReturnType<typeof requestSettings> {
  checkSettings(model, capabilities, explicit ?? {}, label);
  return requestSettings(effectiveSettings(role, capabilities, explicit));
}

/** One line for people: `max_tokens=8192, reasoning_effort=high`. */
export function describeSettings(settings: GenerationSettings | null | undefined): string {
  const entries = Object.entries(settings ?? {}).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? "defaults" : entries.map(([k, v]) => `${k}=${Array.isArray(v) ? JSON.stringify(v) : String(v)}`).join(", ");
}
