/**
 * Real provider adapters (anthropic, openai, openai-api) for the model registry.
 * TODO(issue 3): the adapters themselves.
 */
import type { Config } from "../config.js";
import type { ModelFactory, ParsedModelName } from "./registry.js";
import type { ModelCapabilities } from "./types.js";

export function providerFactories(_config: Pick<Config, "modelTimeoutMs" | "modelMaxRetries">): Partial<Record<ParsedModelName["provider"], ModelFactory>> {
  return {};
}

/** Capabilities known without a client, so tools can refuse before any request. */
export function knownCapabilities(_parsed: ParsedModelName): ModelCapabilities | undefined {
  return undefined;
}
