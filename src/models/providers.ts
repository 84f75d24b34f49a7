/**
 * Real provider adapters (anthropic, openai, openai-api) for the model registry.
 */
import type { Config } from "../config.js";
import { log } from "../log.js";
import { AnthropicModel } from "./anthropic.js";
import { modelCapabilities } from "./capabilities.js";
import { OpenAIChatModel } from "./openai.js";
import type { ModelFactory, ParsedModelName } from "./registry.js";
import type { ModelCapabilities } from "./types.js";

/** The SDKs' own diagnostics (retries, warnings) go through our logger, which redacts secrets. */
const sdkLogger = {
  error: (message: string, ...rest: unknown[]) => log.error(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
  warn: (message: string, ...rest: unknown[]) => log.warn(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
  info: (message: string, ...rest: unknown[]) => log.info(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
  debug: (message: string, ...rest: unknown[]) => log.debug(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
};

/**
 * Factories for the real providers. Keys and base URLs are read from `env` when a call is made,
 * never at startup and never into the config.
 */
export function providerFactories(
  config: Pick<Config, "modelTimeoutMs" | "modelMaxRetries">,
  env: NodeJS.ProcessEnv = process.env,
): Partial<Record<ParsedModelName["provider"], ModelFactory>> {
  const options = { timeoutMs: config.modelTimeoutMs, maxRetries: config.modelMaxRetries, env, logger: sdkLogger };
  return {
    anthropic: (parsed, fullName) => new AnthropicModel(fullName, parsed.model, options),
    openai: (parsed, fullName) => new OpenAIChatModel(fullName, parsed, options),
    "openai-api": (parsed, fullName) => new OpenAIChatModel(fullName, parsed, options),
  };
}

/** Capabilities known without a client, so tools can refuse before any request. */
export function knownCapabilities(parsed: ParsedModelName): ModelCapabilities | undefined {
  return modelCapabilities(parsed);
}
