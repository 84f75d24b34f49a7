/**
 * Real provider adapters (anthropic, bedrock, vertex, openai, openai-api, openrouter, google) for the model registry.
 */
import type { Config } from "../config.js";
import { log } from "../log.js";
import { modelCapabilities } from "./capabilities.js";
import type { ModelFactory, ParsedModelName } from "./registry.js";
import type { ChatModel, GenerateRequest, GenerateResult, ModelCapabilities } from "./types.js";

/** The SDKs' own diagnostics (retries, warnings) go through our logger, which redacts secrets. */
const sdkLogger = {
  error: (message: string, ...rest: unknown[]) => log.error(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
  warn: (message: string, ...rest: unknown[]) => log.warn(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
  info: (message: string, ...rest: unknown[]) => log.info(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
  debug: (message: string, ...rest: unknown[]) => log.debug(`model SDK: ${message}`, rest.length > 0 ? rest : undefined),
};

/**
 * A provider model whose SDK is loaded at its first call: the SDKs take a few hundred milliseconds
 * to import, which the stdio server should not pay at start-up.
 */
class LazyModel implements ChatModel {
  private inner: Promise<ChatModel> | undefined;

  constructor(
    readonly name: string,
    readonly capabilities: ModelCapabilities,
    private readonly load: () => Promise<ChatModel>,
  ) {}

  generate(request: GenerateRequest): Promise<GenerateResult> {
    this.inner ??= this.load();
    return this.inner.then((model) => model.generate(request));
  }
}

/**
 * Factories for the real providers. Keys and base URLs are read from `env` when a call is made,
 * never at startup and never into the config.
 */
export function providerFactories(
  config: Pick<Config, "modelTimeoutMs" | "modelMaxRetries">,
  env: NodeJS.ProcessEnv = process.env,
): Partial<Record<ParsedModelName["provider"], ModelFactory>> {
  const options = { timeoutMs: config.modelTimeoutMs, maxRetries: config.modelMaxRetries, env, logger: sdkLogger };
  const anthropic: ModelFactory = (parsed, fullName) =>
    new LazyModel(fullName, modelCapabilities(parsed, env), async () => new (await import("./anthropic.js")).AnthropicModel(fullName, parsed.model, options));
  const openai: ModelFactory = (parsed, fullName) =>
    new LazyModel(fullName, modelCapabilities(parsed, env), async () => new (await import("./openai.js")).OpenAIChatModel(fullName, parsed, options));
  const google: ModelFactory = (parsed, fullName) =>
    new LazyModel(fullName, modelCapabilities(parsed, env), async () => new (await import("./google.js")).GeminiModel(fullName, parsed.model, options));
  const bedrock: ModelFactory = (parsed, fullName) =>
    new LazyModel(fullName, modelCapabilities(parsed, env), async () => new (await import("./bedrock.js")).BedrockModel(fullName, parsed.model, options));
  const vertex: ModelFactory = (parsed, fullName) =>
    new LazyModel(fullName, modelCapabilities(parsed, env), async () => new (await import("./vertex.js")).VertexModel(fullName, parsed.model, options));
  return { anthropic, bedrock, vertex, openai, "openai-api": openai, openrouter: openai, google };
}

/** Capabilities known without a client, so tools can refuse before any request. */
export function knownCapabilities(parsed: ParsedModelName): ModelCapabilities | undefined {
  return modelCapabilities(parsed);
}
